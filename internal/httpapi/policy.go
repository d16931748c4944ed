package httpapi

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/jmoiron/sqlx"

	"huixiang/internal/audience"
	"huixiang/internal/cn"
	"huixiang/internal/person"
	"huixiang/internal/policy"
	"huixiang/internal/sqldb"
	"huixiang/internal/upload"
)

func pageOf(c *gin.Context) sqldb.PageRequest {
	page, _ := strconv.Atoi(c.Query("page"))
	size, _ := strconv.Atoi(c.Query("page_size"))
	return sqldb.PageRequest{Page: page, PageSize: size}
}

// libraryPage is the public list with the categories to filter by.
type libraryPage struct {
	sqldb.Page[policy.Item]
	Categories []policy.Category `json:"categories"`
}

// handleLibrary: GET /api/v1/policy-library?category=&target=&q=&for_me=1&favorites=1.
func handleLibrary(svc *policy.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		ctx, user := c.Request.Context(), currentSession(c).SubjectID
		q := policy.Query{Category: c.Query("category"), Target: c.Query("target"), Text: c.Query("q")}
		if c.Query("favorites") == "1" {
			ids, err := svc.FavouriteIDs(ctx, user)
			if err != nil {
				respondError(c, err)
				return
			}
			q.IDs = ids
		}
		page, err := svc.Library(ctx, user, q, c.Query("for_me") == "1", pageOf(c))
		if err != nil {
			respondError(c, err)
			return
		}
		cats, err := svc.Categories(ctx)
		respond(c, http.StatusOK, libraryPage{Page: page, Categories: cats}, err)
	}
}

// handleLibraryPolicy: GET /api/v1/policy-library/:id, each condition marked for the caller.
func handleLibraryPolicy(svc *policy.Service, files *upload.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		p, err := svc.PublishedFor(c.Request.Context(), currentSession(c).SubjectID, id)
		if err != nil {
			respondError(c, err)
			return
		}
		docs, err := svc.Documents(c.Request.Context(), id, files)
		respond(c, http.StatusOK, libraryPolicyAnswer{ForMe: p, Documents: docs}, err)
	}
}

// handleFavourite: POST (keep) and DELETE (remove) /api/v1/policy-library/:id/favorite → 204.
func handleFavourite(svc *policy.Service, keep bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		ctx, user := c.Request.Context(), currentSession(c).SubjectID
		var err error
		if keep {
			err = svc.Favourite(ctx, user, id)
		} else {
			err = svc.Unfavourite(ctx, user, id)
		}
		if err != nil {
			respondError(c, err)
			return
		}
		c.Status(http.StatusNoContent)
	}
}

// handleStaffPolicies: GET /admin/api/v1/policy-library?status=&category=.
func handleStaffPolicies(svc *policy.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		page, err := svc.List(c.Request.Context(), policy.StaffFilter{Status: c.Query("status"), Category: c.Query("category")}, pageOf(c))
		respond(c, http.StatusOK, page, err)
	}
}

// handleStaffPolicy: GET /admin/api/v1/policy-library/:id, the working copy.
func handleStaffPolicy(svc *policy.Service, files *upload.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		p, err := svc.Get(c.Request.Context(), id)
		if err != nil {
			respondError(c, err)
			return
		}
		docs, err := svc.Documents(c.Request.Context(), id, files)
		respond(c, http.StatusOK, staffPolicyAnswer{Policy: p, Documents: docs}, err)
	}
}

// handleCreatePolicy: POST /admin/api/v1/policy-library → 201, a draft.
func handleCreatePolicy(svc *policy.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		var in policy.Content
		if !decode(c, &in) {
			return
		}
		p, err := svc.Create(c.Request.Context(), currentActor(c).ID, in)
		respond(c, http.StatusCreated, p, err)
	}
}

// policyEdit is the body of PATCH: the whole working copy and the version it was read at.
type policyEdit struct {
	Version int `json:"version"`
	policy.Content
}

// handleUpdatePolicy: PATCH /admin/api/v1/policy-library/:id (409 STALE_VERSION).
func handleUpdatePolicy(svc *policy.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		var in policyEdit
		if !decode(c, &in) {
			return
		}
		p, err := svc.Update(c.Request.Context(), currentActor(c).ID, id, in.Version, in.Content)
		respond(c, http.StatusOK, p, err)
	}
}

// handlePublishPolicy: POST /admin/api/v1/policy-library/:id/publish {"version": n}.
func handlePublishPolicy(svc *policy.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		var in struct {
			Version int `json:"version"`
		}
		if !decode(c, &in) {
			return
		}
		p, err := svc.Publish(c.Request.Context(), currentActor(c).ID, id, in.Version)
		respond(c, http.StatusOK, p, err)
	}
}

// handleArchivePolicy: POST /admin/api/v1/policy-library/:id/archive.
func handleArchivePolicy(svc *policy.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		p, err := svc.Archive(c.Request.Context(), id)
		respond(c, http.StatusOK, p, err)
	}
}

// handlePolicyVersions: GET /admin/api/v1/policy-library/:id/versions, newest first.
func handlePolicyVersions(svc *policy.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		list, err := svc.Versions(c.Request.Context(), id)
		respond(c, http.StatusOK, itemsResponse[policy.Version]{Items: list}, err)
	}
}

// previewMember is one person of an audience preview, masked.
type previewMember struct {
	Name     string  `json:"name"`
	Gender   string  `json:"gender"`
	Age      int     `json:"age"`
	Township *string `json:"township"`
}

type previewResponse struct {
	Count  int             `json:"count"`
	Sample []previewMember `json:"sample"`
}

// handleAudiencePreview: POST /admin/api/v1/audiences/preview {"rule": {...}} → how many people
// the rule selects today and a masked sample of them (422 RULE_INVALID naming the problems).
func handleAudiencePreview(db *sqlx.DB, now func() time.Time) gin.HandlerFunc {
	return func(c *gin.Context) {
		var in struct {
			Rule audience.Rule `json:"rule"`
		}
		if !decode(c, &in) {
			return
		}
		rule, err := audience.Check(in.Rule)
		if err != nil {
			respondError(c, err)
			return
		}
		y, m, d := now().In(cn.Zone).Date()
		today := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
		ctx := c.Request.Context()
		count, err := audience.Count(ctx, db, rule, today)
		if err != nil {
			respondError(c, err)
			return
		}
		members, err := audience.Sample(ctx, db, rule, today, 5)
		out := previewResponse{Count: count, Sample: make([]previewMember, len(members))}
		for i, m := range members {
			out.Sample[i] = previewMember{Name: person.MaskName(m.Name), Gender: m.Gender, Age: m.Age, Township: m.Township}
		}
		respond(c, http.StatusOK, out, err)
	}
}

// classifyPolicy maps the errors of the policy library and the audience language.
func classifyPolicy(err error) *apiError {
	var fe *policy.FieldError
	var inv *audience.InvalidError
	switch {
	case errors.As(err, &fe):
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "VALIDATION_FAILED", Message: fe.Message, Field: fe.Field}
	case errors.As(err, &inv):
		parts := make([]string, len(inv.Problems))
		for i, p := range inv.Problems {
			parts[i] = p.Path + "：" + p.Message
		}
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "RULE_INVALID", Message: "条件规则有误：" + strings.Join(parts, "；"), Field: "rule"}
	case errors.Is(err, policy.ErrNotFound):
		return errNotFound
	case errors.Is(err, policy.ErrStaleVersion):
		return &apiError{Status: http.StatusConflict, Code: "STALE_VERSION", Message: "政策已被他人修改或发布，请刷新后再操作", Field: "version"}
	case errors.Is(err, policy.ErrNotPublished):
		return &apiError{Status: http.StatusConflict, Code: "NOT_PUBLISHED", Message: "政策还没有发布，不能下架"}
	}
	return nil
}

// libraryPolicyAnswer is a published policy as a user reads it, with its documents.
type libraryPolicyAnswer struct {
	*policy.ForMe
	// Documents are the policy's PDFs (政策原文), each with a signed URL of limited life.
	Documents []upload.Upload `json:"documents"`
}

// staffPolicyAnswer is a policy as staff edit it, with its documents.
type staffPolicyAnswer struct {
	*policy.Policy
	Documents []upload.Upload `json:"documents"`
}

// handleAddPolicyDocument: POST /admin/api/v1/policy-library/:id/documents, multipart field
// "file" (a PDF) → 201, audited.
func handleAddPolicyDocument(svc *policy.Service, files *upload.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		ctx := c.Request.Context()
		mr, err := c.Request.MultipartReader()
		if err != nil {
			respondError(c, errNoUploadFile)
			return
		}
		var rec *upload.Received
		for {
			part, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				files.Discard(ctx, rec)
				respondError(c, multipartError(err))
				return
			}
			if part.FormName() == "file" {
				if rec != nil {
					files.Discard(ctx, rec)
					respondError(c, errTwoFiles)
					return
				}
				if rec, err = files.Receive(ctx, part.FileName(), part); err != nil {
					respondError(c, err)
					return
				}
			}
			part.Close()
		}
		if rec == nil {
			respondError(c, errNoUploadFile)
			return
		}
		u, err := svc.AddDocument(ctx, currentActor(c), id, files, rec)
		respond(c, http.StatusCreated, u, err)
	}
}

// handleRemovePolicyDocument: DELETE /admin/api/v1/policy-library/:id/documents/:doc → 204.
func handleRemovePolicyDocument(svc *policy.Service, files *upload.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		if err := svc.RemoveDocument(c.Request.Context(), currentActor(c), id, c.Param("doc"), files); err != nil {
			respondError(c, err)
			return
		}
		c.Status(http.StatusNoContent)
	}
}
