"""Administration: accounts and roles, the policy table, the audit trail."""
