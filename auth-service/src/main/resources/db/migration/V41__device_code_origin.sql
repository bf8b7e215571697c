-- The address a device authorization request came from, shown on the confirmation page next to the
-- request's time (RFC 8628 §5.4: the user can tell a request they did not start). Rows of before
-- this migration show "an unknown address".
ALTER TABLE device_code ADD COLUMN origin_address text;
