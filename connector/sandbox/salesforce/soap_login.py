"""The SOAP partner API ``login`` call, as simple-salesforce performs it.

simple-salesforce posts an envelope with ``<username>`` and ``<password>`` (the password with
the security token appended, HTML-escaped) and reads ``sessionId`` and ``serverUrl`` from the
``loginResponse``; it derives the REST instance from the host of ``serverUrl``. A failure is a
SOAP fault whose ``sf:exceptionCode`` (``INVALID_LOGIN``) it raises as
``SalesforceAuthenticationFailed``.
"""

from __future__ import annotations

import re
from html import escape, unescape

_FIELD_RE = {
    name: re.compile(rf"<(?:\w+:)?{name}(?:\s[^>]*)?>(.*?)</(?:\w+:)?{name}>", re.DOTALL)
    for name in ("username", "password")
}
_LOGIN_RE = re.compile(r"<(?:\w+:)?login[\s>]")

INVALID_LOGIN_MESSAGE = "Invalid username, password, security token; or user locked out."


def parse_login(body: str) -> tuple[str, str] | None:
    """(username, password) from a login envelope, or None if it is not a login call."""
    if not _LOGIN_RE.search(body):
        return None
    found = {}
    for name, pattern in _FIELD_RE.items():
        match = pattern.search(body)
        if match is None:
            return None
        found[name] = unescape(match.group(1).strip())
    return found["username"], found["password"]


def login_response(
    server_url: str, session_id: str, user_id: str, org_id: str, username: str, ttl: int
) -> str:
    metadata_url = server_url.replace("/Soap/u/", "/Soap/m/")
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" \
xmlns="urn:partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\
<soapenv:Body><loginResponse><result>\
<metadataServerUrl>{escape(metadata_url)}</metadataServerUrl>\
<passwordExpired>false</passwordExpired><sandbox>true</sandbox>\
<serverUrl>{escape(server_url)}</serverUrl><sessionId>{escape(session_id)}</sessionId>\
<userId>{user_id}</userId><userInfo><accessibilityMode>false</accessibilityMode>\
<currencySymbol>€</currencySymbol><orgAttachmentFileSizeLimit>5242880\
</orgAttachmentFileSizeLimit><orgDefaultCurrencyIsoCode>EUR</orgDefaultCurrencyIsoCode>\
<orgHasPersonAccounts>false</orgHasPersonAccounts><organizationId>{org_id}</organizationId>\
<organizationMultiCurrency>true</organizationMultiCurrency>\
<organizationName>subsync sandbox</organizationName><profileId>00e5g000000SbxAAA</profileId>\
<sessionSecondsValid>{ttl}</sessionSecondsValid><userEmail>{escape(username)}</userEmail>\
<userFullName>Sandbox Integration</userFullName><userId>{user_id}</userId>\
<userLanguage>en_US</userLanguage><userName>{escape(username)}</userName>\
<userTimeZone>Europe/Paris</userTimeZone><userType>Standard</userType>\
</userInfo></result></loginResponse></soapenv:Body></soapenv:Envelope>"""


def login_fault(code: str = "INVALID_LOGIN", message: str = INVALID_LOGIN_MESSAGE) -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" \
xmlns:sf="urn:fault.partner.soap.sforce.com" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><soapenv:Fault>\
<faultcode>sf:{code}</faultcode><faultstring>{code}: {escape(message)}</faultstring>\
<detail><sf:LoginFault xsi:type="sf:LoginFault"><sf:exceptionCode>{code}</sf:exceptionCode>\
<sf:exceptionMessage>{escape(message)}</sf:exceptionMessage></sf:LoginFault></detail>\
</soapenv:Fault></soapenv:Body></soapenv:Envelope>"""
