"""server/sim"""
