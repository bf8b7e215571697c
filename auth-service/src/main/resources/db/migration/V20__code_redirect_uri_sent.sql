-- Whether the authorization request named its redirect_uri (then the token request must repeat it,
-- RFC 6749 §4.1.3), or left it to the client's only registered one.
ALTER TABLE authorization_code ADD COLUMN redirect_uri_sent boolean NOT NULL DEFAULT true;
