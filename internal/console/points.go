package console

import "github.com/gin-gonic/gin"

func (cs *Console) registerPoints(g *gin.RouterGroup) {
	_ = g
}
