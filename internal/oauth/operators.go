package oauth

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/lintel-dev/lintel/internal/authz"
	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
)

// The operator lifecycle: invitations, role and name changes, disabling,
// password resets and second-factor resets. Every function takes the
// principal asking (authz.Session for a console operator, authz.CLI for
// the command line) and refuses with EFORBIDDEN what its role may not do
// (authz.CheckManage). The caller puts the actor in ctx (store.WithActor);
// each write is recorded in the audit log with the operation named here.

// Link is a one-time link made for an operator.
type Link struct {
	URL       string // the link itself: give it only to the operator
	ExpiresAt time.Time
	// Emailed is true when the link was sent to the operator by email;
	// otherwise (no SMTP configured) the caller shows it to copy.
	Emailed bool
}

// Invitation is who to invite.
type Invitation struct {
	AccountID           int64
	Email               string
	FirstName, LastName string
	Role                domain.OperatorRole // "" means operator
}

// manage loads the target operator and checks that by may change it to
// role to ("" keeps its role).
func (s *Server) manage(ctx context.Context, by *domain.Principal, accountID, userID int64, to domain.OperatorRole) (*domain.User, error) {
	if !authz.Can(by, domain.PermOperators) {
		return nil, domain.Errorf(domain.EFORBIDDEN, "Only admins and owners may manage operators")
	}
	if by != authz.CLI && by.AccountID != accountID {
		return nil, domain.NotFound("user")
	}
	u, err := s.store.GetAccountUser(ctx, accountID, userID)
	if err != nil {
		return nil, err
	}
	if to == "" {
		to = u.Role
	}
	if err := authz.CheckManage(by.Role, u.Role, to); err != nil {
		return nil, err
	}
	return u, nil
}

func auditOp(ctx context.Context, userID int64, action string, changes map[string]any) context.Context {
	return store.WithOperation(ctx, store.Operation{Resource: "operators", ResourceID: strconv.FormatInt(userID, 10), Action: action, Changes: changes})
}

// Invite creates an operator without a password and a one-time link (valid
// InviteTTL) with which they set one; the link is emailed when mail is
// configured. Errors: EFORBIDDEN; EINVALID for a malformed email or an
// unknown role; ECONFLICT for an email already on the account.
func (s *Server) Invite(ctx context.Context, by *domain.Principal, in Invitation) (*domain.User, *Link, error) {
	if in.Role == "" {
		in.Role = domain.RoleOperator
	}
	var v domain.Validation
	email := strings.ToLower(strings.TrimSpace(in.Email))
	if at := strings.IndexByte(email, '@'); at < 1 || at == len(email)-1 || strings.ContainsAny(email, " \t/") || len(email) > maxUsername {
		v.Add("email", "must be an email address such as ops@example.com")
	}
	if _, err := domain.ParseOperatorRole(string(in.Role)); err != nil {
		v.Add("role", "must be owner, admin, operator or viewer")
	}
	if err := v.Err(); err != nil {
		return nil, nil, err
	}
	if !authz.Can(by, domain.PermOperators) {
		return nil, nil, domain.Errorf(domain.EFORBIDDEN, "Only admins and owners may invite operators")
	}
	if by != authz.CLI && by.AccountID != in.AccountID {
		return nil, nil, domain.Errorf(domain.EFORBIDDEN, "Operators may only be invited to one's own account")
	}
	if err := authz.CheckManage(by.Role, in.Role, in.Role); err != nil {
		return nil, nil, err
	}
	u := &domain.User{AccountID: in.AccountID, Email: email, FirstName: strings.TrimSpace(in.FirstName), LastName: strings.TrimSpace(in.LastName), Role: in.Role}
	raw := newSecret()
	now := s.now()
	link := &Link{URL: s.issuer + "/oauth/invite?" + url.Values{"token": {raw}}.Encode(), ExpiresAt: now.Add(s.inviteTTL)}
	err := s.store.InTx(ctx, func(tx *store.Store) error {
		octx := store.WithOperation(ctx, store.Operation{Resource: "operators", Action: "invite",
			Changes: map[string]any{"email": u.Email, "role": string(u.Role), "first_name": u.FirstName, "last_name": u.LastName}})
		if err := tx.CreateUser(octx, u); err != nil {
			return err
		}
		return tx.CreateOperatorLink(octx, &store.OperatorLink{Digest: digest(raw), Kind: store.LinkInvite, AccountID: u.AccountID, UserID: u.ID,
			CreatedBy: by.UserID, CreatedAt: now, ExpiresAt: link.ExpiresAt})
	})
	if err != nil {
		return nil, nil, err
	}
	acct, err := s.store.GetAccount(ctx, u.AccountID)
	if err != nil {
		return nil, nil, err
	}
	link.Emailed, err = s.mail(ctx, u.Email, "You are invited to run "+acct.Name+" on Lintel", fmt.Sprintf(
		"You have been invited to %s on Lintel as %s.\n\nChoose your password here (the link works once, until %s):\n\n%s\n\nIf you did not expect this, ignore this email.\n",
		acct.Name, u.Role, link.ExpiresAt.UTC().Format("2 Jan 2006 15:04 MST"), link.URL))
	return u, link, err
}

// mail sends a message when mail is configured and reports whether it did.
func (s *Server) mail(ctx context.Context, to, subject, text string) (bool, error) {
	if s.sendMail == nil {
		return false, nil
	}
	if err := s.sendMail(ctx, to, subject, text); err != nil {
		return false, fmt.Errorf("send email to %s: %w", to, err)
	}
	return true, nil
}

// MailEnabled reports whether links are emailed (else they are shown).
func (s *Server) MailEnabled() bool { return s.sendMail != nil }

// UpdateOperator changes an operator's name or role (see
// store.UpdateUser). Errors: EFORBIDDEN (an admin may neither change an
// owner nor make one); ENOTFOUND; EINVALID; ECONFLICT for the last owner.
func (s *Server) UpdateOperator(ctx context.Context, by *domain.Principal, accountID, userID int64, upd store.UserUpdate) (*domain.User, error) {
	var to domain.OperatorRole
	changes := map[string]any{}
	if upd.Role != nil {
		to = *upd.Role
		if _, err := domain.ParseOperatorRole(string(to)); err != nil {
			return nil, domain.Errorf(domain.EINVALID, "role must be owner, admin, operator or viewer")
		}
		changes["role"] = string(to)
	}
	if upd.FirstName != nil {
		changes["first_name"] = *upd.FirstName
	}
	if upd.LastName != nil {
		changes["last_name"] = *upd.LastName
	}
	if _, err := s.manage(ctx, by, accountID, userID, to); err != nil {
		return nil, err
	}
	return s.store.UpdateUser(auditOp(ctx, userID, "update", changes), accountID, userID, upd)
}

// DisableOperator disables an operator and ends every session, token,
// grant and API key they hold, at once (store.DisableUser). Errors:
// EFORBIDDEN; ENOTFOUND; ECONFLICT for the last owner.
func (s *Server) DisableOperator(ctx context.Context, by *domain.Principal, accountID, userID int64) error {
	if _, err := s.manage(ctx, by, accountID, userID, ""); err != nil {
		return err
	}
	return s.store.DisableUser(auditOp(ctx, userID, "disable", nil), accountID, userID, s.now())
}

// EnableOperator enables a disabled operator. Errors: EFORBIDDEN; ENOTFOUND.
func (s *Server) EnableOperator(ctx context.Context, by *domain.Principal, accountID, userID int64) error {
	if _, err := s.manage(ctx, by, accountID, userID, ""); err != nil {
		return err
	}
	return s.store.EnableUser(auditOp(ctx, userID, "enable", nil), accountID, userID, s.now())
}

// ResetPassword makes a one-time password reset link for an operator
// (valid ResetTTL; earlier reset links stop working) and emails it when
// mail is configured. With an invitation still pending, the invitation
// link is renewed instead. Errors: EFORBIDDEN; ENOTFOUND; ECONFLICT for a
// disabled operator.
func (s *Server) ResetPassword(ctx context.Context, by *domain.Principal, accountID, userID int64) (*Link, error) {
	u, err := s.manage(ctx, by, accountID, userID, "")
	if err != nil {
		return nil, err
	}
	return s.resetLink(auditOp(ctx, userID, "reset_password", nil), u, by.UserID)
}

// resetLink makes and sends a reset (or renewed invitation) link.
func (s *Server) resetLink(ctx context.Context, u *domain.User, createdBy int64) (*Link, error) {
	if u.Disabled {
		return nil, domain.Errorf(domain.ECONFLICT, "%s is disabled: enable them first", u.Email)
	}
	kind, path, ttl := store.LinkReset, "/oauth/reset", s.resetTTL
	if u.PasswordHash == "" {
		kind, path, ttl = store.LinkInvite, "/oauth/invite", s.inviteTTL
	}
	raw := newSecret()
	now := s.now()
	link := &Link{URL: s.issuer + path + "?" + url.Values{"token": {raw}}.Encode(), ExpiresAt: now.Add(ttl)}
	if err := s.store.CreateOperatorLink(ctx, &store.OperatorLink{Digest: digest(raw), Kind: kind, AccountID: u.AccountID, UserID: u.ID,
		CreatedBy: createdBy, CreatedAt: now, ExpiresAt: link.ExpiresAt}); err != nil {
		return nil, err
	}
	var err error
	link.Emailed, err = s.mail(ctx, u.Email, "Reset your Lintel password", fmt.Sprintf(
		"Someone asked to reset the password of %s on Lintel.\n\nChoose a new password here (the link works once, until %s):\n\n%s\n\nIf it was not you, ignore this email: your password stays as it is.\n",
		u.Email, link.ExpiresAt.UTC().Format("2 Jan 2006 15:04 MST"), link.URL))
	return link, err
}

// ResetSecondFactor removes an operator's TOTP second factor (the recovery
// for a lost phone): they sign in with their password alone and may enrol
// again. Errors: EFORBIDDEN; ENOTFOUND.
func (s *Server) ResetSecondFactor(ctx context.Context, by *domain.Principal, accountID, userID int64) error {
	if _, err := s.manage(ctx, by, accountID, userID, ""); err != nil {
		return err
	}
	return s.store.ClearUserTOTP(auditOp(ctx, userID, "reset_totp", nil), userID, s.now())
}

// SignInLocked reports whether sign-in throttling currently refuses an
// operator's email (too many failed passwords), and until when.
func (s *Server) SignInLocked(ctx context.Context, u *domain.User) (bool, time.Time, error) {
	n, start, err := s.store.LoginAttempts(ctx, store.UserThrottleKey(u.Email))
	if err != nil {
		return false, time.Time{}, err
	}
	until := start.Add(loginWindow)
	return n > loginUserMax && until.After(s.now()), until, nil
}

// UnlockOperator forgets the failed sign-ins counted against an
// operator's email, so that they may try again at once (the limit per
// client address stays). Errors: EFORBIDDEN; ENOTFOUND.
func (s *Server) UnlockOperator(ctx context.Context, by *domain.Principal, accountID, userID int64) error {
	u, err := s.manage(ctx, by, accountID, userID, "")
	if err != nil {
		return err
	}
	_, err = s.store.ClearLoginAttempts(auditOp(ctx, userID, "unlock", nil), store.UserThrottleKey(u.Email))
	return err
}
