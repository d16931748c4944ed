package console

import "github.com/gin-gonic/gin"

func (cs *Console) registerPerks(g *gin.RouterGroup) {
	_ = g
}
