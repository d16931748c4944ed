package console

import "github.com/gin-gonic/gin"

func (cs *Console) registerApplications(g *gin.RouterGroup) {
	_ = g
}
