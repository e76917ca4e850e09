package console

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/lintel-dev/lintel/internal/controller"
	"github.com/lintel-dev/lintel/internal/store"
)

// controllerView is one enrolled controller and the doors it serves.
type controllerView struct {
	*store.Controller
	Doors []string
}

// controllersPage is GET /controllers.
func (c *Console) controllersPage(w http.ResponseWriter, r *http.Request, q *req) error {
	return c.renderControllers(w, r, q, http.StatusOK, nil)
}

func (c *Console) renderControllers(w http.ResponseWriter, r *http.Request, q *req, status int, extra map[string]any) error {
	ctx := r.Context()
	list, err := c.st.ListControllers(ctx, q.acct.ID)
	if err != nil {
		return err
	}
	doors, _, err := c.st.ListChannels(ctx, q.acct.ID, nil, store.Page{})
	if err != nil {
		return err
	}
	names := map[int64]string{}
	for _, d := range doors {
		names[d.ID] = d.Name
	}
	views := make([]controllerView, 0, len(list))
	for _, ct := range list {
		v := controllerView{Controller: ct}
		if ids, err := c.st.ControllerChannels(ctx, ct); err == nil {
			for _, id := range ids {
				v.Doors = append(v.Doors, names[id])
			}
		} else {
			return err
		}
		views = append(views, v)
	}
	data := map[string]any{"Title": "Controllers", "Controllers": views, "AllDoors": doors, "Now": c.now()}
	for k, v := range extra {
		data[k] = v
	}
	c.render(w, status, q, "controllers", "", data)
	return nil
}

// controllerEnrol is POST /controllers (name, door_id...): the device
// secret and the command line that runs the reference controller are
// shown once, on this answer.
func (c *Console) controllerEnrol(w http.ResponseWriter, r *http.Request, q *req) error {
	name := strings.TrimSpace(r.PostFormValue("name"))
	if len(name) > 200 {
		name = name[:200]
	}
	var ids []int64
	for _, s := range r.PostForm["door_id"] {
		if id, err := strconv.ParseInt(s, 10, 64); err == nil && id > 0 {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return c.renderControllers(w, r, q, http.StatusUnprocessableEntity, map[string]any{"Error": "Choose at least one door for the controller."})
	}
	if name == "" {
		name = "controller"
	}
	ct, secret, err := controller.Enroll(r.Context(), c.st, controller.Enrollment{AccountID: q.acct.ID, Name: name, ChannelIDs: ids})
	if err != nil {
		return err
	}
	file := "controller-" + strconv.FormatInt(ct.ID, 10)
	setup := "umask 077 && printf '%s\\n' '" + secret + "' > " + file + ".secret"
	run := "lintel controller --server " + c.baseURL + " --secret-file " + file + ".secret --state-dir " + file
	return c.renderControllers(w, r, q, http.StatusOK, map[string]any{"Enrolled": ct, "Secret": secret, "Setup": setup, "Run": run})
}

// controllerRevoke is POST /controllers/{id}/revoke.
func (c *Console) controllerRevoke(w http.ResponseWriter, r *http.Request, q *req) error {
	id, err := pathID(r, "controller")
	if err != nil {
		return err
	}
	if err := c.st.RevokeController(r.Context(), q.acct.ID, id, c.now().UTC()); err != nil {
		return err
	}
	return seeOther(w, r, "/controllers")
}
