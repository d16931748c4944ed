package notify

import (
	"context"
	"encoding/json"
)

var jsonUnmarshal = json.Unmarshal

// Claimed is a row a test claimed by hand.
type Claimed = claimed

// Tick runs one round of the worker loop: claim what is due and send it.
func (w *Worker) Tick(ctx context.Context) (int, error) { return w.tick(ctx) }

// ClaimDue claims what is due and sends nothing, as a worker killed right after its claim.
func (w *Worker) ClaimDue(ctx context.Context) ([]Claimed, error) {
	ids, err := w.due(ctx)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	return w.claim(ctx, ids)
}

// StartSend marks the claimed row started and spends its consent, then does not call WeChat, as a
// worker killed in the middle of its WeChat call.
func (w *Worker) StartSend(ctx context.Context, c Claimed) (bool, error) {
	var p payload
	if err := jsonUnmarshal(c.Payload, &p); err != nil {
		return false, err
	}
	return w.begin(ctx, c, p)
}

// Process sends one claimed row as the worker would.
func (w *Worker) Process(ctx context.Context, c Claimed) { w.process(ctx, c) }

// FinishSent records the claimed row as sent, as a worker whose WeChat call came back late.
func (w *Worker) FinishSent(ctx context.Context, c Claimed) {
	w.finish(ctx, w.log, c, StatusSent, "", 0)
}
