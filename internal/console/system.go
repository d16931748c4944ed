package console

import "github.com/gin-gonic/gin"

func (cs *Console) registerSystem(g *gin.RouterGroup) {
	_ = g
}
