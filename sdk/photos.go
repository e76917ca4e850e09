package lintel

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// Image is a downloaded picture: a person's photo or its thumbnail.
type Image struct {
	// ContentType is the media type the server sent, without parameters:
	// image/jpeg or image/png for a photo Lintel stores, always
	// image/jpeg for its thumbnail.
	ContentType string
	Data        []byte
}

// ErrNoPhoto is returned by PeopleService.Photo and PhotoThumbnail for a
// person without a photo (a nil or empty image URL).
var ErrNoPhoto = errors.New("lintel: the person has no photo")

// Photo downloads the person's photo from its ImageURL (getPersonPhoto
// for a photo sent as image_base64; for a remote image, whatever host the
// URL names). A person without a photo is ErrNoPhoto; a photo that was
// replaced or removed since p was read is a 410 *Error (IsGone): read the
// person again for the current URL.
func (s *PeopleService) Photo(ctx context.Context, p *Person) (*Image, error) {
	if p == nil || p.ImageURL == nil || strings.TrimSpace(*p.ImageURL) == "" {
		return nil, ErrNoPhoto
	}
	return s.DownloadImage(ctx, *p.ImageURL)
}

// PhotoThumbnail downloads the person's thumbnail from its
// ImageThumbnailURL (getPersonPhotoThumbnail: a JPEG at most 128 pixels on
// its longer side for a stored photo; for a remote image the URL is the
// image's own). Errors as for Photo.
func (s *PeopleService) PhotoThumbnail(ctx context.Context, p *Person) (*Image, error) {
	if p == nil || p.ImageThumbnailURL == nil || strings.TrimSpace(*p.ImageThumbnailURL) == "" {
		return nil, ErrNoPhoto
	}
	return s.DownloadImage(ctx, *p.ImageThumbnailURL)
}

// DownloadImage fetches an image by the URL a person's image_url or
// image_thumbnail_url gives (a URL without a host is taken as on the
// server). The request carries no token, API key or subscription key:
// Lintel's photo URLs need none (their random key is the capability), and
// DoorFlow's may be on a storage host that must not see them. It is
// retried like any GET. An answer that is not an image is an error.
func (s *PeopleService) DownloadImage(ctx context.Context, rawURL string) (*Image, error) {
	ref, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil {
		return nil, fmt.Errorf("lintel: image URL: %w", err)
	}
	u := s.c.base.ResolveReference(ref)
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("lintel: image URL %q must be an http or https URL", rawURL)
	}
	resp, err := s.c.do(ctx, &request{method: http.MethodGet, path: u.EscapedPath(), target: u.String(), anonymous: true,
		header: http.Header{"Accept": {"image/*"}}})
	if err != nil {
		return nil, err
	}
	if len(resp.body) >= maxResponseBytes {
		return nil, fmt.Errorf("lintel: GET %s: the image is larger than %d bytes", u.EscapedPath(), maxResponseBytes)
	}
	ct, _, err := mime.ParseMediaType(resp.header.Get("Content-Type"))
	if err != nil || ct == "application/octet-stream" {
		ct = http.DetectContentType(resp.body)
	}
	if !strings.HasPrefix(ct, "image/") {
		return nil, fmt.Errorf("lintel: GET %s: the answer is %s, not an image", u.EscapedPath(), ct)
	}
	return &Image{ContentType: ct, Data: resp.body}, nil
}
