"""Operator commands and first-run setup (wiring): `makaverse db …` and `makaverse admin …`,
and the first admin account. They sit outside `store/` because they use the account service."""
