"""The regulator's workspace: 五职矿长 compliance, inspections with 逢查必考 spot tests and the
reassignment orders they raise, and the search across the jurisdiction."""
