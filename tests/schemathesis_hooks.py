"""Checks for tests/schemathesis.sh's cross-tenant run (issue 28 item 16).

The admin API is served acting as a user of tenant `acme`; tenant `globex` exists beside
it with its own user. With acme's identity, no answer may carry globex's data, and no call
on a globex path may succeed.
"""

import schemathesis

OTHER_TENANT = "globex"
OTHER_DATA = "admin@globex.example"


@schemathesis.check
def no_other_tenant_data(ctx, response, case):
    if OTHER_DATA in response.text:
        raise AssertionError(
            f"tenant {OTHER_TENANT}'s data in an answer to tenant acme: {response.text[:300]}"
        )


@schemathesis.check
def other_tenant_refused(ctx, response, case):
    tenant = (case.path_parameters or {}).get("tenant")
    if tenant == OTHER_TENANT and response.status_code < 400:
        raise AssertionError(
            f"{case.method} {case.formatted_path} as acme on {OTHER_TENANT}'s path answered "
            f"{response.status_code}"
        )
