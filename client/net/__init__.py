"""client/net"""
