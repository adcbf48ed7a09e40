"""The only package that talks to GitHub: the client, the sticky comment, the check run, PR data.

Nothing outside this package imports PyGithub; callers get plain values and `GitHubError`s.
"""
