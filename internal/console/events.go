package console

import "github.com/gin-gonic/gin"

func (cs *Console) registerEvents(g *gin.RouterGroup) {
	_ = g
}
