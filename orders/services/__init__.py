"""Every write to orders goes through a function of this package."""
