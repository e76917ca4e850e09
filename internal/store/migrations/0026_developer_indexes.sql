-- The console's connected applications list an account's consents and
-- live token families, and its disconnect revokes them per application.
CREATE INDEX oauth_grants_account_app ON oauth_grants (account_id, app_id);
CREATE INDEX oauth_families_account_app ON oauth_families (account_id, app_id) WHERE revoked_at IS NULL;
