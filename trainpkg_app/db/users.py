"""Users. Before sign-in existed, everything belonged to one local user; the first account
created takes over that user's rows (db/accounts.py)."""

LOCAL_USER_EMAIL = "local@trainpkg.invalid"
