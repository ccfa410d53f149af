-- 003 (issue 11): what every hub process must count alike to keep one account from filling the
-- disk or guessing passwords, whichever worker a request reaches.

-- Each upload an account made, with its size: the upload quota counts the bytes of those no
-- inspection holds yet (hub_blob_holders), within the clean-up's grace period.
CREATE TABLE hub_uploads (
    username text        NOT NULL,
    sha      text        NOT NULL,
    size     bigint      NOT NULL,
    at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (username, sha)
);
CREATE INDEX hub_uploads_by_time ON hub_uploads (at);

-- Wrong passwords per client address or unknown name (a known user's count is in its row):
-- how many in a row, and the time before which the next try is refused.
CREATE TABLE hub_sign_in_throttle (
    key         text        PRIMARY KEY,
    failures    integer     NOT NULL,
    not_before  timestamptz NOT NULL,
    updated     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX hub_sign_in_throttle_by_time ON hub_sign_in_throttle (updated);
