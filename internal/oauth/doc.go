// Package oauth is Lintel's OAuth 2.0 authorization server: client
// registration, the authorization code flow with its login and consent
// pages, the token endpoint (authorization_code, refresh_token and
// password grants), revocation (RFC 7009), DoorFlow's token info, server
// metadata (RFC 8414), and Authenticate, which resolves bearer tokens for
// the API.
//
// # Secrets
//
// Client secrets, authorization codes, access and refresh tokens and
// session ids are 32-byte values written as 43 characters of unpadded
// base64url: all 256 bits random, but for access and refresh tokens,
// whose first 6 bytes are the time they were minted (208 random bits).
// Only their SHA-256 digests are stored (a token's after its minting
// time, so that the token index grows at its end; see tokenKey), and
// they are compared in constant time. None of them is logged.
//
// # Lifetimes and rules
//
//   - Access tokens live Config.AccessTTL (3600 s).
//   - Codes live Config.CodeTTL (10 minutes, as DoorFlow documents) and are
//     single use: a second exchange fails and revokes every token the
//     first one issued.
//   - Refresh tokens rotate on every use. A spent refresh token presented
//     again, or presented by another client, revokes its whole family (every
//     access and refresh token descended from the same authorization). They
//     have no absolute expiry but die after Config.RefreshIdle (90 days)
//     unused. A refresh may narrow the scope, never widen it. A rotation
//     spends the token only while the token, its family and its user are
//     as the decision read them (store.RotateOAuthRefreshToken); otherwise
//     it is decided again from a new read. The token is read with its whole
//     application (store.GetOAuthRefreshRecord), and when the client named
//     is the token's, the client is authenticated against that application:
//     a refresh reads once and writes once. A client that fails to
//     authenticate gets invalid_client whatever the token, and spends or
//     revokes nothing.
//   - Grace window: a refresh token presented again by the same client
//     within Config.RefreshGrace (30 s) of its rotation, while the pair it
//     was rotated into is still the newest, gets that same pair instead of
//     revoking the family (two workers refreshing at once). The pair is
//     kept sealed with AES-256-GCM under an HMAC-SHA-256 key derived from
//     the old refresh token, which is not stored; the purge drops it when
//     the window has passed.
//   - Tokens issued before the user's last password change, or to an app
//     that is now suspended, are refused.
//   - PKCE: only S256. Required for public clients and for apps with
//     RequirePKCE; optional for confidential ones. A verifier without a
//     challenge is refused (downgrade protection).
//   - state is echoed byte for byte; apps with RequireState must send at
//     least 8 characters.
//   - Scopes: unknown scopes, scopes the app is not registered for, and
//     account.channel.admit without the operator's approval are
//     invalid_scope. "openid" and "offline_access" are accepted and
//     ignored. When no scope is requested the app gets every scope it is
//     registered for (DoorFlow's documented default), and the consent page
//     lists them.
//   - Apps in state "testing" can be authorized only by users of their own
//     account; "suspended" apps can neither be authorized nor get tokens.
//   - The password grant is for apps with PasswordGrant. The username is
//     "pin/email" (the account's enterprise PIN) or a bare email that
//     belongs to exactly one user.
//
// # Throttling and load
//
// Sign-in attempts (login page and password grant) are counted in the
// store before the password is checked, atomically, per username and per
// client address: more than five per username, or fifty per address, in
// 15 minutes answer 429 with Retry-After. The username key is the email
// trimmed and lower-cased, whatever the spelling ("email", "PIN/email",
// "PIN / email"). A success clears the username's counter and takes back
// the address's count. The counters are shared by every server on the
// database; Store.ClearLoginAttempts (lintel users unlock) clears them.
//
// Password checks go through a password.Gate (Config.HashSlots running,
// Config.HashQueue waiting); when it is full the attempt is not counted
// and the answer is 503 temporarily_unavailable with Retry-After.
//
// Wrong client secrets are throttled per client_id and client address
// (ten a minute, in memory); a request with the right secret is never
// refused, so nobody can lock an application out of the token endpoint.
//
// # Pages and their forms
//
// GET /oauth/authorize validates client_id and redirect_uri first; if
// either is wrong it answers a 400 HTML page and never redirects. Other
// problems redirect to the client with error, error_description, state
// and iss. A browser that is not signed in gets the login page; a
// signed-in user gets the consent page, or straight away a redirect with a
// code when an earlier consent already covers every requested scope.
//
// Every form is a plain <form method="post"> with no action attribute, so
// it posts back to the URL of the page that holds it (the authorize URL,
// query string included). Every form carries a hidden csrf_token, which
// is bound to the session cookie; a missing or wrong token gets 403 and
// changes nothing.
//
//	Login   (POST /oauth/authorize): csrf_token, email, password.
//	        The email field also accepts "pin/email". Success sets a new
//	        session cookie and answers 303 to the same authorize URL;
//	        failure answers 401 with the login page and a generic message;
//	        throttled attempts answer 429.
//	Consent (POST /oauth/authorize): csrf_token, decision=allow|deny
//	        (two submit buttons named decision). allow answers 303 to the
//	        redirect URI with code and state; deny answers 303 with
//	        error=access_denied.
//	Logout  (POST /oauth/logout[?next=/oauth/authorize?...]): csrf_token.
//	        GET /oauth/logout shows the form; the consent page links to it.
//
// The session cookie is lintel_session (Path=/, HttpOnly, SameSite=Lax,
// Secure when the issuer is https). The operator console shares it, with
// its CSRF token and sign-in throttling, through LoadBrowser and SignIn.
// Every HTML answer sends a Content-Security-Policy that allows inline
// style only and form posts only to this server and the client's redirect
// origin, plus
// X-Frame-Options: DENY, Referrer-Policy: no-referrer, Cache-Control:
// no-store and X-Content-Type-Options: nosniff.
//
// # Token endpoint
//
// POST /oauth/token and POST /oauth/revoke take
// application/x-www-form-urlencoded bodies. Clients authenticate with
// HTTP Basic (standard or URL-safe base64; both halves form-URL-decoded)
// or with client_id and client_secret form fields, never both; public
// clients send only client_id. Errors follow RFC 6749 section 5.2; a
// failed client authentication at the token endpoint is 401
// invalid_client, with WWW-Authenticate: Basic when Basic was tried.
// Revocation answers 200 {} for unknown tokens, and, as DoorFlow
// documents, 403 unauthorized_client for another client's token and for a
// request whose client did not authenticate (none, not Basic, malformed,
// unknown client, wrong secret). CodeClient tells the demo's callback page
// which application a code belongs to.
package oauth
