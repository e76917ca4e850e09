package lintel

import "context"

// NotificationRule sends matching events to a URL.
type NotificationRule struct {
	ID         int64                   `json:"id"`
	Name       string                  `json:"name"`
	Active     bool                    `json:"active"`
	Conditions []NotificationCondition `json:"conditions"`
	Events     []NotificationEvent     `json:"events"`
	Actions    []NotificationAction    `json:"actions"`
}

// NotificationCondition limits a rule, for example to one door
// (Type "door_controller_id", Value its id).
type NotificationCondition struct {
	Type            string `json:"type"`
	TypeDescription string `json:"type_description"`
	Value           string `json:"value"`
}

// NotificationEvent is an event code a rule matches.
type NotificationEvent struct {
	Code int    `json:"code"`
	Name string `json:"name"`
}

// NotificationAction is what a rule does: type 0 POSTs to Data, a URL.
type NotificationAction struct {
	Type            int    `json:"type"`
	TypeDescription string `json:"type_description"`
	Data            string `json:"data"`
}

// NotificationRuleInput is a rule to create, or its new content (updates
// replace the name, URL, codes and doors).
type NotificationRuleInput struct {
	Name               string  `json:"name"`
	Active             *bool   `json:"active,omitempty"` // true when left out on create; kept on update
	CallBackURL        string  `json:"call_back_url"`
	MatchEventCodes    []int   `json:"match_event_codes"`
	MatchControllerIDs []int64 `json:"match_controller_ids,omitempty"` // every door when empty
}

// NotificationRulesService manages notification rules (scopes
// account.notification_rule.readonly and account.notification_rule).
type NotificationRulesService struct{ c *Client }

// List returns every rule (listNotificationRules; not paginated).
func (s *NotificationRulesService) List(ctx context.Context) ([]*NotificationRule, error) {
	var out []*NotificationRule
	_, err := s.c.call(ctx, &request{method: "GET", path: "/api/3/notification_rules"}, &out)
	return out, err
}

// Get returns one rule (getNotificationRule).
func (s *NotificationRulesService) Get(ctx context.Context, id int64) (*NotificationRule, error) {
	var out NotificationRule
	_, err := s.c.call(ctx, &request{method: "GET", path: idPath("notification_rules", id)}, &out)
	return ptrOrNil(&out, err)
}

// Create adds a rule (createNotificationRule; DoorFlow answers 200, the
// SDK accepts 201 too).
func (s *NotificationRulesService) Create(ctx context.Context, in *NotificationRuleInput) (*NotificationRule, error) {
	var out NotificationRule
	_, err := s.c.call(ctx, &request{method: "POST", path: "/api/3/notification_rules", body: in, want: []int{200, 201}}, &out)
	return ptrOrNil(&out, err)
}

// Update replaces a rule's content (updateNotificationRule).
func (s *NotificationRulesService) Update(ctx context.Context, id int64, in *NotificationRuleInput) (*NotificationRule, error) {
	var out NotificationRule
	_, err := s.c.call(ctx, &request{method: "PUT", path: idPath("notification_rules", id), body: in}, &out)
	return ptrOrNil(&out, err)
}

// Delete removes a rule (deleteNotificationRule).
func (s *NotificationRulesService) Delete(ctx context.Context, id int64) error {
	_, err := s.c.call(ctx, &request{method: "DELETE", path: idPath("notification_rules", id)}, &deleted{})
	return err
}

// SyncService pushes access lists to the doors (scope account.sync).
type SyncService struct{ c *Client }

// Start asks every door of the account to refresh its access list
// (initiateSync). It is a POST, so a 429 is never retried: the *Error's
// RetryAfter says when the next sync is accepted. Lintel pushes changes to
// its doors as they are made, so this is only needed for DoorFlow.
func (s *SyncService) Start(ctx context.Context) error {
	_, err := s.c.call(ctx, &request{method: "POST", path: "/api/3/sync"}, &deleted{})
	return err
}
