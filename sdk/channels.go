package lintel

import (
	"context"
	"iter"
	"net/url"
	"strconv"
	"time"
)

// Channel is a door: one channel of a door controller.
type Channel struct {
	ID                    int64            `json:"id"`
	Name                  string           `json:"name"`
	MACAddress            string           `json:"mac_address"`
	Status                string           `json:"status"` // online, offline or pending_encryption
	Unit                  int              `json:"unit"`
	Model                 *string          `json:"model"`
	ModelLong             string           `json:"model_long"`
	SerialNumber          *string          `json:"serial_number"`
	CardFormat            *string          `json:"card_format"`
	PINFormat             *string          `json:"pin_format"`
	FreescaleVersion      *string          `json:"freescale_version"`
	PICVersion            *string          `json:"pic_version"`
	ReaderDeviceClassName *string          `json:"reader_device_class_name"`
	SiteID                *int64           `json:"site_id"`
	CreatedAt             time.Time        `json:"created_at"`
	UpdatedAt             time.Time        `json:"updated_at"`
	Sync                  ChannelSync      `json:"sync"`
	Lockdown              *Lockdown        `json:"lockdown"` // nil when the door is not locked down
	Mode                  ChannelMode      `json:"mode"`
	AutoUnlock            *AutoUnlockShift `json:"auto_unlock"` // nil when no shift unlocks the door
}

// ChannelSync is the state of the door's access list.
type ChannelSync struct {
	Status              string     `json:"status"` // ok, fail, syncing or pending
	LastSyncCompletedAt *time.Time `json:"last_sync_completed_at"`
}

// Lockdown says what a locked-down door refuses.
type Lockdown struct {
	Message      string       `json:"message"`
	CardLockdown LockdownFlag `json:"card_lockdown"`
	REXLockdown  LockdownFlag `json:"rex_lockdown"`
	AUXLockdown  LockdownFlag `json:"aux_lockdown"`
}

// LockdownFlag is one lockdown switch.
type LockdownFlag struct {
	State bool `json:"state"`
}

// ChannelMode is "normal" (access by roles) or "unlock" (held open), an
// object in DoorFlow's API rather than a string.
type ChannelMode struct {
	Description string     `json:"description"`
	RelockAt    *time.Time `json:"relock_at"`
	ChangeStamp *time.Time `json:"change_stamp"`
}

// AutoUnlockShift is the shift during which the door unlocks by itself.
type AutoUnlockShift struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// ChannelInput is a door to create or the fields to change (Lintel
// extension); nil fields are left out.
type ChannelInput struct {
	Name         *string `json:"name,omitempty"`
	MACAddress   *string `json:"mac_address,omitempty"` // required when creating
	Unit         *int    `json:"unit,omitempty"`
	SiteID       *int64  `json:"site_id,omitempty"`
	Model        *string `json:"model,omitempty"`
	ModelLong    *string `json:"model_long,omitempty"`
	SerialNumber *string `json:"serial_number,omitempty"`
	CardFormat   *string `json:"card_format,omitempty"`
	PINFormat    *string `json:"pin_format,omitempty"`
}

// ChannelListOptions filter and page the door list.
type ChannelListOptions struct {
	ListOptions
	SiteID int64 // only doors of this site when not 0
}

// Admission is the answer to a remote admission: its request id (poll it
// with AdmissionRequests.Get) and first status.
type Admission struct {
	AdmissionRequestID int64  `json:"admission_request_id"`
	Status             string `json:"status"` // pending, admitted, denied or offline
}

// LockdownOptions choose what a lockdown refuses. The zero value locks
// down cards and PINs only.
type LockdownOptions struct {
	CardLockdown bool `json:"card_lockdown,omitempty"`
	REXLockdown  bool `json:"rex_lockdown,omitempty"`
	AUXLockdown  bool `json:"aux_lockdown,omitempty"`
}

// ChannelsService reads doors and sends them commands. Creating, changing
// and deleting doors is a Lintel extension (scope account.channel).
type ChannelsService struct{ c *Client }

// List returns one page of doors (listChannels).
func (s *ChannelsService) List(ctx context.Context, opt *ChannelListOptions) ([]*Channel, PageInfo, error) {
	o := deref(opt)
	q := url.Values{}
	if o.SiteID != 0 {
		q.Set("site_id", strconv.FormatInt(o.SiteID, 10))
	}
	return listPage[Channel](ctx, s.c, "/api/3/channels", q, o.ListOptions, "per_page")
}

// All iterates over every door matching opt, page by page.
func (s *ChannelsService) All(ctx context.Context, opt *ChannelListOptions) iter.Seq2[*Channel, error] {
	o := deref(opt)
	return all(ctx, o.ListOptions, func(ctx context.Context, lo ListOptions) ([]*Channel, PageInfo, error) {
		o.ListOptions = lo
		return s.List(ctx, &o)
	})
}

// Get returns one door (getChannel).
func (s *ChannelsService) Get(ctx context.Context, id int64) (*Channel, error) {
	var out Channel
	_, err := s.c.call(ctx, &request{method: "GET", path: idPath("channels", id)}, &out)
	return ptrOrNil(&out, err)
}

// Create adds a door (createChannel, a Lintel extension). Name and
// MACAddress are required; the door is offline until its controller
// connects.
func (s *ChannelsService) Create(ctx context.Context, in *ChannelInput) (*Channel, error) {
	var out Channel
	_, err := s.c.call(ctx, &request{method: "POST", path: "/api/3/channels", body: in, want: []int{201}}, &out)
	return ptrOrNil(&out, err)
}

// Update changes the fields set in in (updateChannel, a Lintel extension).
func (s *ChannelsService) Update(ctx context.Context, id int64, in *ChannelInput) (*Channel, error) {
	var out Channel
	_, err := s.c.call(ctx, &request{method: "PUT", path: idPath("channels", id), body: in}, &out)
	return ptrOrNil(&out, err)
}

// Delete removes a door and its links to roles and reservations
// (deleteChannel, a Lintel extension).
func (s *ChannelsService) Delete(ctx context.Context, id int64) error {
	_, err := s.c.call(ctx, &request{method: "DELETE", path: idPath("channels", id)}, &deleted{})
	return err
}

// command posts a door command that answers with the door.
func (s *ChannelsService) command(ctx context.Context, id int64, name string, body any) (*Channel, error) {
	var out Channel
	_, err := s.c.call(ctx, &request{method: "POST", path: idPath("channels", id) + "/" + name, body: body}, &out)
	return ptrOrNil(&out, err)
}

// Admit opens a door in normal mode once, for nobody in particular
// (admitChannel, scope account.channel.admit). A door that is not in
// normal mode is a 400 *Error whose Channel is the door.
func (s *ChannelsService) Admit(ctx context.Context, id int64) (*Admission, error) {
	var out Admission
	_, err := s.c.call(ctx, &request{method: "POST", path: idPath("channels", id) + "/admit", want: []int{202}}, &out)
	return ptrOrNil(&out, err)
}

// AdmitPerson opens a door once for a person who may use it now
// (admitPerson, scope account.channel.admit.person). A refusal is a 403
// *Error with Code "Access denied" and the reason as Message.
func (s *ChannelsService) AdmitPerson(ctx context.Context, id, personID int64) (*Admission, error) {
	var out Admission
	body := map[string]int64{"person_id": personID}
	_, err := s.c.call(ctx, &request{method: "POST", path: idPath("channels", id) + "/admit_person", body: body, want: []int{202}}, &out)
	return ptrOrNil(&out, err)
}

// Lockdown locks a door down (lockdownChannel).
func (s *ChannelsService) Lockdown(ctx context.Context, id int64, opt LockdownOptions) (*Channel, error) {
	return s.command(ctx, id, "lockdown", opt)
}

// Unlockdown lifts a lockdown (unlockdownChannel).
func (s *ChannelsService) Unlockdown(ctx context.Context, id int64) (*Channel, error) {
	return s.command(ctx, id, "unlockdown", nil)
}

// Unlock holds a door open, until relockAt when it is not zero
// (unlockChannel).
func (s *ChannelsService) Unlock(ctx context.Context, id int64, relockAt time.Time) (*Channel, error) {
	body := map[string]string{}
	if !relockAt.IsZero() {
		body["relock_at"] = formatTime(relockAt)
	}
	return s.command(ctx, id, "unlock", body)
}

// Normal returns a door to normal mode (normalChannel).
func (s *ChannelsService) Normal(ctx context.Context, id int64) (*Channel, error) {
	return s.command(ctx, id, "normal", nil)
}

// AutoUnlock makes a shift unlock the door, or stops it when shiftID is 0
// (autoUnlockChannel). An unknown shift is a 400 *Error.
func (s *ChannelsService) AutoUnlock(ctx context.Context, id, shiftID int64) (*Channel, error) {
	body := map[string]any{"shift_id": nil}
	if shiftID != 0 {
		body["shift_id"] = shiftID
	}
	return s.command(ctx, id, "auto_unlock", body)
}

// RegenerateEncryptionKey asks the door's controller to take a new key
// (regenerateEncryptionKey); the door is pending_encryption until then.
func (s *ChannelsService) RegenerateEncryptionKey(ctx context.Context, id int64) (*Channel, error) {
	return s.command(ctx, id, "regenerate_encryption_key", nil)
}

// RemoveEncryptionKey ends a wait for a new key (removeEncryptionKey).
func (s *ChannelsService) RemoveEncryptionKey(ctx context.Context, id int64) (*Channel, error) {
	return s.command(ctx, id, "remove_encryption_key", nil)
}

// AdmissionRequest is a remote admission and what became of it.
type AdmissionRequest struct {
	ID             int64      `json:"id"`
	Status         string     `json:"status"` // pending, admitted, denied, offline or timeout
	ChannelID      int64      `json:"channel_id"`
	PersonID       *int64     `json:"person_id"`
	RequestedAt    time.Time  `json:"requested_at"`
	CompletedAt    *time.Time `json:"completed_at"`
	DoorController struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
	} `json:"door_controller"`
	Person *struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
	} `json:"person"`
}

// AdmissionRequestsService reads remote admissions.
type AdmissionRequestsService struct{ c *Client }

// Get returns an admission request by the id Admit or AdmitPerson
// returned (getAdmissionRequest).
func (s *AdmissionRequestsService) Get(ctx context.Context, id int64) (*AdmissionRequest, error) {
	var out AdmissionRequest
	_, err := s.c.call(ctx, &request{method: "GET", path: idPath("admission_requests", id)}, &out)
	return ptrOrNil(&out, err)
}
