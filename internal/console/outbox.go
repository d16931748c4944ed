package console

import "github.com/gin-gonic/gin"

func (cs *Console) registerOutbox(g *gin.RouterGroup) {
	_ = g
}
