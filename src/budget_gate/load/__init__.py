"""Bytes to validated records with positions; every problem is a finding, never an exception."""
