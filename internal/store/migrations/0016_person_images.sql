-- People's photos uploaded as image_base64. The file and a small JPEG
-- thumbnail are kept as standard base64 text (not BLOB/BYTEA) so that
-- both engines, backups and `lintel db copy` treat them as ordinary text.
-- people.image_url then holds the photo's path on this server,
-- /media/people/{image_key}; image_key is random and changes with every
-- new photo.
CREATE TABLE person_images (
    person_id      BIGINT PRIMARY KEY REFERENCES people(id) ON DELETE CASCADE,
    account_id     BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    image_key      TEXT NOT NULL UNIQUE,
    content_type   TEXT NOT NULL,
    image          TEXT NOT NULL,
    thumbnail      TEXT NOT NULL,
    created_at     BIGINT NOT NULL
);
CREATE INDEX person_images_account ON person_images (account_id);
