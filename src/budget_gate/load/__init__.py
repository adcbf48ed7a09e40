"""Bytes to validated records with positions; every problem becomes a finding, never an exception."""
