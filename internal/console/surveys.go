package console

import "github.com/gin-gonic/gin"

func (cs *Console) registerSurveys(g *gin.RouterGroup) {
	_ = g
}
