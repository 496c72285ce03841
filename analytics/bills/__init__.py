"""PLN electricity bills (seed 002): fairness of one bill or a whole export, the bill and pagu data."""
