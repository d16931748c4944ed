package console

import "github.com/gin-gonic/gin"

func (cs *Console) registerAlumni(g *gin.RouterGroup) {
	_ = g
}
