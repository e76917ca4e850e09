package store

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/photo"
)

// PersonImagePath is the path, on this server, of the photo with a key;
// people.image_url holds it for a stored photo (the API makes it absolute).
func PersonImagePath(key string) string { return "/media/people/" + key }

// IsStoredImage reports whether a person's image_url names a stored photo
// (rather than a remote URL) and returns its key.
func IsStoredImage(imageURL *string) (string, bool) {
	if imageURL == nil {
		return "", false
	}
	key, ok := strings.CutPrefix(*imageURL, "/media/people/")
	return key, ok && key != ""
}

// PersonImage is a person's stored photo and its thumbnail.
type PersonImage struct {
	PersonID    int64
	AccountID   int64
	Key         string // random, in the photo's URL; new for every photo
	ContentType string // image/jpeg or image/png
	Data        []byte
	Thumbnail   []byte // a JPEG
	CreatedAt   time.Time
}

// NewPersonImage is the photo ph (checked by package photo), taken at at,
// ready for SetPersonImage.
func NewPersonImage(ph *photo.Photo, at time.Time) *PersonImage {
	return &PersonImage{ContentType: ph.ContentType, Data: ph.Data, Thumbnail: ph.Thumbnail, CreatedAt: at}
}

// SetPersonImage stores img as the person's photo (replacing any) with a
// new key, and points the person's image_url at it (sets p.ImageURL). Run
// it in the transaction that writes the person. Errors: ENOTFOUND for a
// person not on the account.
func (s *Store) SetPersonImage(ctx context.Context, p *domain.Person, img *PersonImage) error {
	img.PersonID, img.AccountID = p.ID, p.AccountID
	img.Key = NewUID(32)
	return s.InTx(ctx, func(tx *Store) error {
		if _, err := tx.exec(ctx, `DELETE FROM person_images WHERE person_id = ? AND account_id = ?`, p.ID, p.AccountID); err != nil {
			return fmt.Errorf("replace person image: %w", err)
		}
		if _, err := tx.exec(ctx, `INSERT INTO person_images (person_id, account_id, image_key, content_type, image, thumbnail, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, p.ID, p.AccountID, img.Key, img.ContentType,
			base64.StdEncoding.EncodeToString(img.Data), base64.StdEncoding.EncodeToString(img.Thumbnail), ms(img.CreatedAt)); err != nil {
			return fmt.Errorf("store person image: %w", err)
		}
		path := PersonImagePath(img.Key)
		res, err := tx.exec(ctx, `UPDATE people SET image_url = ? WHERE id = ? AND account_id = ?`, path, p.ID, p.AccountID)
		if err != nil {
			return fmt.Errorf("set person image url: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return domain.NotFound("person")
		}
		p.ImageURL = &path
		return nil
	})
}

// DropStaleImage deletes the person's stored photo unless their image_url
// (as just written) still names it: after a remote URL replaced it, or the
// image was removed.
func (s *Store) DropStaleImage(ctx context.Context, p *domain.Person) error {
	key, _ := IsStoredImage(p.ImageURL)
	if _, err := s.exec(ctx, `DELETE FROM person_images WHERE person_id = ? AND account_id = ? AND image_key <> ?`, p.ID, p.AccountID, key); err != nil {
		return fmt.Errorf("drop person image: %w", err)
	}
	return nil
}

// GetPersonImage returns the stored photo with the key, or ENOTFOUND.
func (s *Store) GetPersonImage(ctx context.Context, key string) (*PersonImage, error) {
	var (
		img         PersonImage
		data, thumb string
		created     int64
	)
	err := s.queryRow(ctx, `SELECT person_id, account_id, image_key, content_type, image, thumbnail, created_at FROM person_images WHERE image_key = ?`, key).
		Scan(&img.PersonID, &img.AccountID, &img.Key, &img.ContentType, &data, &thumb, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, domain.NotFound("photo")
	}
	if err != nil {
		return nil, fmt.Errorf("get person image: %w", err)
	}
	if img.Data, err = base64.StdEncoding.DecodeString(data); err != nil {
		return nil, fmt.Errorf("person image %d: %w", img.PersonID, err)
	}
	if img.Thumbnail, err = base64.StdEncoding.DecodeString(thumb); err != nil {
		return nil, fmt.Errorf("person image %d thumbnail: %w", img.PersonID, err)
	}
	img.CreatedAt = fromMS(created)
	return &img, nil
}
