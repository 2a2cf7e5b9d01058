"""Certificates: issued after passed results, verified by anyone, kept valid by 复审."""
