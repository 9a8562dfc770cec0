"""server/bus"""
