"""What a change touches: changed files and commits, path globs, commit trailers, the slice
index over loaded records, and which slices a change puts in scope (§4).

Pure values and functions; imports only `models`.
"""
