package console

import "github.com/gin-gonic/gin"

func (cs *Console) registerProjectTeams(g *gin.RouterGroup) {}
