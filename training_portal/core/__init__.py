"""The portal's lowest layer: database, permissions, audit chain, policy, jobs.

Nothing here imports a domain package; domain packages import from here.
"""
