"""Who a request is: one interface (``base.BaseIdentity``), one implementation per way of
carrying a sign-in (JWT cookies, a Django session, a Bearer header).

The identity middleware a profile installs (``accounts.middleware``) sets
``request.identity``; DRF's ``JWTAuthentication`` replaces it for a Bearer request.
"""
