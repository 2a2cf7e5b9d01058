"""The question bank: questions and their versions, imports and exports, blueprints (组卷规则),
fair random papers and item statistics.

It uses ``training_portal.core`` (database, audit, policy, permissions) and nothing else of
the portal, so another portal could use it tomorrow.
"""
