"""The question bank: questions, imports and exports, blueprints, papers (issue: question bank)."""
