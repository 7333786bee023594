"""Stand-ins for the SMSC side in tests and benchmarks: an SMPP SMSC stub and a Kannel runner."""
