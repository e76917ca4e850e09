package api

import (
	"net/http"
	"sort"
	"strings"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/httpx"
)

type ruleConditionJSON struct {
	Type            string `json:"type"`
	TypeDescription string `json:"type_description"`
	Value           string `json:"value"`
}

type ruleEventJSON struct {
	Code int    `json:"code"`
	Name string `json:"name"`
}

type ruleActionJSON struct {
	Type            int    `json:"type"`
	TypeDescription string `json:"type_description"`
	Data            string `json:"data"`
}

type notificationRuleJSON struct {
	ID         int64               `json:"id"`
	Name       string              `json:"name"`
	Active     bool                `json:"active"`
	Conditions []ruleConditionJSON `json:"conditions"`
	Events     []ruleEventJSON     `json:"events"`
	Actions    []ruleActionJSON    `json:"actions"`
	CreatedAt  string              `json:"created_at"`
	UpdatedAt  string              `json:"updated_at"`
}

// newNotificationRuleJSON renders a rule: one condition per door, one event
// per code, and its callback as the one action. The arrays are never null.
func newNotificationRuleJSON(n *domain.NotificationRule) notificationRuleJSON {
	out := notificationRuleJSON{ID: n.ID, Name: n.Name, Active: n.Active, Conditions: []ruleConditionJSON{}, Events: []ruleEventJSON{},
		Actions:   []ruleActionJSON{{Type: 0, TypeDescription: "Callback URL", Data: n.CallbackURL}},
		CreatedAt: formatTime(n.CreatedAt), UpdatedAt: formatTime(n.UpdatedAt)}
	for _, id := range n.ChannelIDs {
		out.Conditions = append(out.Conditions, ruleConditionJSON{Type: "door_controller_id", TypeDescription: "Door Controller", Value: itoa(id)})
	}
	for _, c := range n.EventCodes {
		out.Events = append(out.Events, ruleEventJSON{Code: c, Name: eventNames[c]})
	}
	return out
}

// readNotificationRule reads a NotificationRuleInput (wrapped in
// "notification_rule" or not) into n. name, call_back_url (an absolute
// http or https URL) and match_event_codes (known codes, at least one)
// are required; active defaults to true on create and is kept on update;
// match_controller_ids (alias match_channel_ids) limits the doors. Unknown
// keys such as match_action are ignored. The URL must pass the callback
// guard (netguard): a private, loopback, link-local, metadata or other
// non-public destination is refused with the reason, unless the server
// allows private targets. Errors: 400 for malformed JSON, 422 naming each
// bad field.
func (a *API) readNotificationRule(r *http.Request, n *domain.NotificationRule) error {
	obj, err := readObject(r)
	if err != nil {
		return err
	}
	if obj, err = unwrap(obj, "notification_rule"); err != nil {
		return err
	}
	v := &domain.Validation{}
	f := fields{obj: obj, v: v}
	if s, _ := f.str("name", false); s != nil && strings.TrimSpace(*s) != "" {
		n.Name = strings.TrimSpace(*s)
	} else if !v.Has("name") {
		v.Add("name", "can't be blank")
	}
	if len(n.Name) > 255 {
		v.Add("name", "is too long (maximum is 255 characters)")
	}
	if b, ok := f.bool("active"); ok {
		n.Active = b
	}
	if s, _ := f.str("call_back_url", false); s != nil && strings.TrimSpace(*s) != "" {
		n.CallbackURL = strings.TrimSpace(*s)
		if err := a.callbacks.CheckURL(r.Context(), n.CallbackURL); err != nil {
			v.Add("call_back_url", err.Error())
		}
	} else if !v.Has("call_back_url") {
		v.Add("call_back_url", "can't be blank")
	}
	n.EventCodes = readRuleCodes(f)
	ids, ok := f.ids("match_controller_ids")
	if !ok {
		ids, _ = f.ids("match_channel_ids")
	}
	n.ChannelIDs = ids
	if n.ChannelIDs == nil {
		n.ChannelIDs = []int64{}
	}
	return v.Err()
}

// readRuleCodes reads match_event_codes: a non-empty list of known codes
// (integers or digit strings), sorted without duplicates.
func readRuleCodes(f fields) []int {
	raw, ok := f.obj["match_event_codes"]
	list, isList := raw.([]any)
	if !ok || raw == nil || (isList && len(list) == 0) {
		f.v.Add("match_event_codes", "must list at least one event code")
		return nil
	}
	if !isList {
		f.v.Add("match_event_codes", "must be a list of event codes")
		return nil
	}
	seen := map[int]bool{}
	var bad []string
	codes := []int{}
	for _, item := range list {
		n, ok := toInt(item)
		if !ok || eventNames[int(n)] == "" || n != int64(int(n)) {
			bad = append(bad, strings.TrimSpace(strings.Trim(jsonString(item), `"`)))
			continue
		}
		if !seen[int(n)] {
			seen[int(n)] = true
			codes = append(codes, int(n))
		}
	}
	if len(bad) > 0 {
		if len(bad) > 20 {
			bad = append(bad[:20], "...")
		}
		f.v.Add("match_event_codes", "are not valid event codes: "+strings.Join(bad, ", "))
		return nil
	}
	sort.Ints(codes)
	return codes
}

// listNotificationRules serves GET /api/3/notification_rules: every rule,
// unpaginated.
func (a *API) listNotificationRules(w http.ResponseWriter, r *http.Request, c *call) error {
	rules, err := a.st.ListNotificationRules(r.Context(), c.p.AccountID)
	if err != nil {
		return err
	}
	out := make([]notificationRuleJSON, 0, len(rules))
	for _, n := range rules {
		out = append(out, newNotificationRuleJSON(n))
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

// getNotificationRule serves GET /api/3/notification_rules/{id}. Errors: 404.
func (a *API) getNotificationRule(w http.ResponseWriter, r *http.Request, c *call) error {
	id, err := pathID(r, "id", "notification rule")
	if err != nil {
		return err
	}
	n, err := a.st.GetNotificationRule(r.Context(), c.p.AccountID, id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, newNotificationRuleJSON(n))
	return nil
}

// createNotificationRule serves POST /api/3/notification_rules. It answers
// 200, not 201, as DoorFlow does. Errors: 422 naming each bad field.
func (a *API) createNotificationRule(w http.ResponseWriter, r *http.Request, c *call) error {
	n := &domain.NotificationRule{AccountID: c.p.AccountID, Active: true, CreatedAt: a.nowMS()}
	if err := a.readNotificationRule(r, n); err != nil {
		return err
	}
	if err := a.st.CreateNotificationRule(r.Context(), n); err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, newNotificationRuleJSON(n))
	return nil
}

// updateNotificationRule serves PUT /api/3/notification_rules/{id}: the
// body replaces the rule's name, URL, codes and doors (the same fields are
// required as on create). Errors: 404; 422 naming each bad field.
func (a *API) updateNotificationRule(w http.ResponseWriter, r *http.Request, c *call) error {
	id, err := pathID(r, "id", "notification rule")
	if err != nil {
		return err
	}
	n, err := a.st.GetNotificationRule(r.Context(), c.p.AccountID, id)
	if err != nil {
		return err
	}
	if err := a.readNotificationRule(r, n); err != nil {
		return err
	}
	n.UpdatedAt = a.nowMS()
	if err := a.st.UpdateNotificationRule(r.Context(), n); err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, newNotificationRuleJSON(n))
	return nil
}

// deleteNotificationRule serves DELETE /api/3/notification_rules/{id}
// (200 {"result":"ok"}). Errors: 404.
func (a *API) deleteNotificationRule(w http.ResponseWriter, r *http.Request, c *call) error {
	id, err := pathID(r, "id", "notification rule")
	if err != nil {
		return err
	}
	if err := a.st.DeleteNotificationRule(r.Context(), c.p.AccountID, id); err != nil {
		return err
	}
	writeOK(w)
	return nil
}
