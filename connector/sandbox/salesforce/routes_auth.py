"""Login endpoints: SOAP ``login`` and the OAuth 2.0 token endpoint.

simple-salesforce builds its login URLs as ``https://{domain}.salesforce.com/services/...``,
so besides the plain paths the sandbox serves them under any path prefix ending in
``.salesforce.com``: ``domain="127.0.0.1:8443/login"`` gives
``https://127.0.0.1:8443/login.salesforce.com/services/Soap/u/59.0``, which lands here.
The ``serverUrl`` / ``instance_url`` returned point at the sandbox itself, so the client's
REST calls follow.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

from connector.sandbox.salesforce.auth import OAuthError, password_ok, token_grant
from connector.sandbox.salesforce.http import ApiRequest, ApiResponse
from connector.sandbox.salesforce.soap_login import login_fault, login_response, parse_login
from connector.sandbox.salesforce.state import SalesforceState

XML_TYPE = b"text/xml;charset=UTF-8"


class AuthRoutes:
    def __init__(self, state: SalesforceState) -> None:
        self.state = state

    def soap_login(self, req: ApiRequest) -> ApiResponse:
        state = self.state
        creds = state.credentials
        parsed = parse_login(req.body.decode("utf-8", "replace"))
        if parsed is None:
            fault = login_fault("INVALID_SOAP_HEADER", "Only the login call is supported.")
            return ApiResponse(500, raw=fault.encode(), content_type=XML_TYPE)
        username, password = parsed
        allow_bare = not creds.security_token
        if username != creds.username or not password_ok(creds, password, allow_bare):
            # A failed login is a SOAP fault with HTTP status 500.
            return ApiResponse(500, raw=login_fault().encode(), content_type=XML_TYPE)
        session = state.sessions.create(username)
        server_url = f"{req.base_url}/services/Soap/u/{req.version}/{state.org_id}"
        xml = login_response(
            server_url,
            session.token,
            state.user_id,
            state.org_id,
            username,
            state.config.session_ttl_seconds,
        )
        return ApiResponse(200, raw=xml.encode(), content_type=XML_TYPE)

    def token(self, req: ApiRequest) -> ApiResponse:
        state = self.state
        try:
            username = token_grant(state.credentials, req.form(), req.headers.get("authorization"))
        except OAuthError as exc:
            return ApiResponse(exc.status, exc.body())
        session = state.sessions.create(username)
        issued = str(int(time.time() * 1000))
        identity = f"{req.base_url}/id/{state.org_id}/{state.user_id}"
        signature = base64.b64encode(
            hmac.new(
                state.credentials.consumer_secret.encode(),
                (identity + issued).encode(),
                hashlib.sha256,
            ).digest()
        ).decode()
        return ApiResponse(
            200,
            {
                "access_token": session.token,
                "instance_url": req.base_url,
                "id": identity,
                "token_type": "Bearer",
                "issued_at": issued,
                "signature": signature,
            },
        )
