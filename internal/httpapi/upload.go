package httpapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"huixiang/internal/upload"
)

var (
	errNoUploadFile  = &apiError{Status: http.StatusBadRequest, Code: "BAD_REQUEST", Message: "请选择要上传的文件（表单字段 file）", Field: "file"}
	errTwoFiles      = &apiError{Status: http.StatusBadRequest, Code: "BAD_REQUEST", Message: "一次只能上传一个文件", Field: "file"}
	errBadMultipart  = &apiError{Status: http.StatusBadRequest, Code: "BAD_REQUEST", Message: "上传内容格式不正确，请重新上传"}
	errUploadBroken  = &apiError{Status: http.StatusBadRequest, Code: "UPLOAD_INCOMPLETE", Message: "文件没有上传完整，请重新上传", Field: "file"}
	errURLExpired    = &apiError{Status: http.StatusForbidden, Code: "URL_EXPIRED", Message: "文件链接已过期，请返回上一页重新打开"}
	errBadAttachment = &apiError{Status: http.StatusUnprocessableEntity, Code: "ATTACHMENT_INVALID", Message: "附件不存在或已用于其他申请，请重新上传", Field: "attachments"}
)

// handleUploadCreate streams the multipart field "file" into the upload service without holding
// the body: parts are read in order, the file straight into storage. The kind may come as a
// query parameter or a form field before or after the file.
func handleUploadCreate(svc *upload.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		ctx := c.Request.Context()
		// A user over today's quota is turned away before the body is read; Save decides for good.
		if err := svc.CheckQuota(ctx, currentSession(c).SubjectID); err != nil {
			respondError(c, err)
			return
		}
		mr, err := c.Request.MultipartReader()
		if err != nil {
			respondError(c, errNoUploadFile)
			return
		}
		kind := c.Query("kind")
		var rec *upload.Received
		fail := func(err error) {
			svc.Discard(ctx, rec)
			respondError(c, err)
		}
		for {
			part, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				fail(multipartError(err))
				return
			}
			switch part.FormName() {
			case "kind":
				b, err := io.ReadAll(io.LimitReader(part, 64))
				if err != nil {
					fail(multipartError(err))
					return
				}
				kind = strings.TrimSpace(string(b))
				if err := upload.CheckKind(kind); err != nil {
					fail(err)
					return
				}
			case "file":
				if rec != nil {
					fail(errTwoFiles)
					return
				}
				if err := upload.CheckKind(kind); err != nil {
					fail(err)
					return
				}
				if rec, err = svc.Receive(ctx, part.FileName(), part); err != nil {
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
		u, err := svc.Save(ctx, rec, currentSession(c).SubjectID, kind)
		if err != nil {
			respondError(c, err)
			return
		}
		c.JSON(http.StatusCreated, u)
	}
}

// minUploadRate is the slowest link an upload must get through: 256 kbit/s, a weak mobile
// network in the townships.
const minUploadRate = 256_000 / 8

// uploadDeadline is how long a request of up to limit bytes may take at minUploadRate, plus a
// margin for the slow start and the server's work: about 6 minutes for 10 MB.
func uploadDeadline(limit int64) time.Duration {
	return time.Duration(limit/minUploadRate)*time.Second + 30*time.Second
}

// slowUpload gives an upload route a read and write deadline, and a request deadline, that fit
// its body limit at minUploadRate, instead of the server's 15 s read timeout that cuts a photo
// sent from a weak network. Other routes keep the server's timeouts. The request context keeps
// its values and is still cancelled when the client goes away; only its deadline is replaced.
func slowUpload(limit int64) gin.HandlerFunc {
	d := uploadDeadline(limit)
	return func(c *gin.Context) {
		deadline := time.Now().Add(d)
		rc := http.NewResponseController(c.Writer)
		if err := rc.SetReadDeadline(deadline); err != nil && !errors.Is(err, http.ErrNotSupported) {
			respondError(c, err)
			return
		}
		if err := rc.SetWriteDeadline(deadline); err != nil && !errors.Is(err, http.ErrNotSupported) {
			respondError(c, err)
			return
		}
		parent := c.Request.Context()
		ctx, cancel := context.WithDeadline(context.WithoutCancel(parent), deadline)
		defer cancel()
		stop := context.AfterFunc(parent, func() {
			if !errors.Is(parent.Err(), context.DeadlineExceeded) {
				cancel() // the client went away or the server is closing the connection
			}
		})
		defer stop()
		c.Request = c.Request.WithContext(ctx)
		c.Next()
	}
}

// multipartError tells a body over the limit (413) from a malformed one (400).
func multipartError(err error) error {
	var maxBytes *http.MaxBytesError
	if errors.As(err, &maxBytes) {
		return errTooLarge
	}
	if errors.Is(err, multipart.ErrMessageTooLarge) {
		return errTooLarge
	}
	return errBadMultipart
}

func handleUploadGet(svc *upload.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		u, err := svc.Mine(c.Request.Context(), currentSession(c).SubjectID, c.Param("id"))
		if err != nil {
			respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, u)
	}
}

// fileCSP sandboxes whatever a browser makes of a served file: no script, no plugin, no form, no
// same-origin access even if a crafted file (a PDF polyglot) were rendered as a document. Images
// from the same origin stay allowed so that a photo opened in a tab still shows.
const fileCSP = "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"

// handleFile serves a file through its signed URL. The headers keep a browser from reading an
// image as anything else, from rendering a PDF in the API's origin (it downloads: attachment;
// <image src> and wx.downloadFile ignore the disposition), from caching it past the URL's life,
// and from leaking the URL in a Referer.
func handleFile(svc *upload.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		f, err := svc.OpenSigned(c.Request.Context(), c.Param("id"), c.Query("exp"), c.Query("sig"))
		if err != nil {
			respondError(c, err)
			return
		}
		defer f.Body.Close()
		maxAge := max(int64(time.Until(f.Expires)/time.Second), 0)
		headers := map[string]string{
			"Content-Disposition":     contentDisposition(dispositionFor(f.ContentType), f.FileName()),
			"Content-Security-Policy": fileCSP,
			"X-Content-Type-Options":  "nosniff",
			"Cache-Control":           "private, max-age=" + strconv.FormatInt(maxAge, 10),
			"Referrer-Policy":         "no-referrer",
		}
		// gin keeps a header already set, so the API-wide ones (no-store, the frame-only CSP)
		// give way here: a file has its own lifetime and a stricter sandbox.
		for k := range headers {
			c.Writer.Header().Del(k)
		}
		c.DataFromReader(http.StatusOK, f.Size, f.ContentType, f.Body, headers)
	}
}

// dispositionFor is inline for the image types (a staff member opening a photo sees it) and
// attachment for everything else: a PDF is downloaded, never rendered in the API's origin.
func dispositionFor(contentType string) string {
	switch contentType {
	case upload.TypeJPEG, upload.TypePNG:
		return "inline"
	}
	return "attachment"
}

// contentDisposition is the disposition with the name in RFC 8187 form (filename*, UTF-8,
// percent-encoded), so that Chinese names survive and no quote or semicolon can break the
// header.
func contentDisposition(disposition, name string) string {
	var b strings.Builder
	b.WriteString(disposition + "; filename*=UTF-8''")
	for _, ch := range []byte(name) {
		switch {
		case ch >= 'a' && ch <= 'z', ch >= 'A' && ch <= 'Z', ch >= '0' && ch <= '9', strings.IndexByte("!#$&+-.^_`|~", ch) >= 0:
			b.WriteByte(ch)
		default:
			fmt.Fprintf(&b, "%%%02X", ch)
		}
	}
	return b.String()
}

// classifyUpload maps the attachment errors.
func classifyUpload(err error) *apiError {
	var size *upload.SizeError
	var quota *upload.QuotaError
	switch {
	case errors.As(err, &quota):
		return &apiError{Status: http.StatusTooManyRequests, Code: "RATE_LIMITED", Message: "今日上传文件已达上限，请明天再试",
			RetryAfter: quota.RetryAfter}
	case errors.As(err, &size):
		return &apiError{Status: http.StatusRequestEntityTooLarge, Code: "BODY_TOO_LARGE",
			Message: fmt.Sprintf("文件不能超过 %s，请压缩后重新上传", formatBytes(size.Max)), Field: "file"}
	case errors.Is(err, upload.ErrUnsupportedType):
		return &apiError{Status: http.StatusUnsupportedMediaType, Code: "UNSUPPORTED_MEDIA_TYPE", Message: "只能上传 JPG、PNG 图片或 PDF 文件", Field: "file"}
	case errors.Is(err, upload.ErrEmpty):
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "VALIDATION_FAILED", Message: "文件是空的，请重新选择", Field: "file"}
	case errors.Is(err, upload.ErrInvalidKind):
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "VALIDATION_FAILED", Message: "附件类别不正确", Field: "kind"}
	case errors.Is(err, upload.ErrIncomplete):
		return errUploadBroken
	case errors.Is(err, upload.ErrURLExpired):
		return errURLExpired
	case errors.Is(err, upload.ErrBadSignature), errors.Is(err, upload.ErrNotFound):
		return errNotFound
	case errors.Is(err, upload.ErrNotAttachable):
		return errBadAttachment
	case errors.Is(err, upload.ErrNotPDF):
		return &apiError{Status: http.StatusUnsupportedMediaType, Code: "UNSUPPORTED_MEDIA_TYPE", Message: "政策文件只能是 PDF，请转成 PDF 后上传", Field: "file"}
	case errors.Is(err, upload.ErrTooManyDocuments):
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "VALIDATION_FAILED",
			Message: fmt.Sprintf("每条政策最多 %d 个附件，请先删除不用的", upload.MaxDocuments), Field: "file"}
	}
	return nil
}

// formatBytes writes a limit the way people read it: 10 MB, 512 KB.
func formatBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d 字节", n)
}
