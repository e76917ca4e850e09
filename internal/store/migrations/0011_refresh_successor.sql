-- The token pair a refresh token was rotated into, sealed with a key only
-- the refresh token's holder can derive (the token itself is not stored),
-- so that the same refresh token presented again within the grace window
-- gets the same pair instead of revoking the family. Cleared once the
-- window has passed.
ALTER TABLE oauth_tokens ADD COLUMN successor TEXT;
