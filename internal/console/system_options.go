package console

import (
	"errors"
	"net/http"
	"net/url"

	"huixiang/internal/vocab"
)

type optionsData struct {
	Kinds   []vocab.KindInfo
	Kind    vocab.KindInfo
	Options []vocab.Option
	Active  int
}

// optionsPath is the options page of kind.
func optionsPath(kind string) string { return "/system/options?kind=" + url.QueryEscape(kind) }

// optionError is how the vocab package's errors read (they are the console's own: the JSON API
// has no option pages).
func optionError(err error) error {
	switch {
	case errors.Is(err, vocab.ErrNotFound):
		return errNotFound
	case errors.Is(err, vocab.ErrForbidden):
		return errForbidden
	case errors.Is(err, vocab.ErrDuplicate):
		return badInput("已有相同名称或代码的选项；如是已停用的选项，请在列表中重新启用")
	case errors.Is(err, vocab.ErrInvalid):
		return badInput("选项名称须为 1–64 个字；代码须为 2–32 位小写字母、数字或下划线，以字母开头")
	}
	return err
}

// optionsPage lists one kind's options, active and deactivated.
func (cs *Console) optionsPage(r *request) error {
	kind := r.Query("kind")
	if kind == "" {
		kind = vocab.Kinds[0].Kind
	}
	d := optionsData{Kinds: vocab.Kinds}
	for _, k := range vocab.Kinds {
		if k.Kind == kind {
			d.Kind = k
		}
	}
	if d.Kind.Kind == "" {
		return errNotFound
	}
	list, err := vocab.All(r.Ctx(), cs.d.DB, kind)
	if err != nil {
		return optionError(err)
	}
	d.Options = list
	for _, o := range list {
		if o.Active {
			d.Active++
		}
	}
	return r.OK("system/options", "", "选项列表", d)
}

func (cs *Console) optionAdd(r *request) error {
	kind := r.Form("kind")
	if !vocab.Editable(kind) {
		return errNotFound
	}
	o, err := vocab.Add(r.Ctx(), cs.d.DB, r.Actor(), kind, r.Form("code"), r.Form("label"))
	if err != nil {
		return cs.optionFail(r, kind, err)
	}
	return r.Redirect(optionsPath(kind), "已新增选项“"+o.Label+"”，登记表单中立即可选")
}

// optionFail shows a refused change on the options page; other errors as usual.
func (cs *Console) optionFail(r *request, kind string, err error) error {
	err = optionError(err)
	if p := Problem(err); p.Status == http.StatusUnprocessableEntity {
		return r.redirectError(optionsPath(kind), err)
	}
	return err
}

func (cs *Console) optionRename(r *request) error {
	kind, code := r.Param("kind"), r.Param("code")
	o, err := vocab.Rename(r.Ctx(), cs.d.DB, r.Actor(), kind, code, r.Form("label"))
	if err != nil {
		return cs.optionFail(r, kind, err)
	}
	return r.Redirect(optionsPath(kind), "已将选项名称改为“"+o.Label+"”，已登记的记录随之显示新名称")
}

func (cs *Console) optionSetActive(r *request) error {
	kind, code := r.Param("kind"), r.Param("code")
	active := r.Form("active") == "true"
	o, err := vocab.SetActive(r.Ctx(), cs.d.DB, r.Actor(), kind, code, active)
	if err != nil {
		return cs.optionFail(r, kind, err)
	}
	if active {
		return r.Redirect(optionsPath(kind), "已重新启用选项“"+o.Label+"”")
	}
	return r.Redirect(optionsPath(kind), "已停用选项“"+o.Label+"”：登记表单中不再出现，已登记的记录保留此项")
}
