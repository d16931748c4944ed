package console

import "github.com/gin-gonic/gin"

func (cs *Console) registerHome(g *gin.RouterGroup) {
	cs.handle(g, page{Path: "/", Title: "工作台", Menu: "工作台"}, cs.home)
}

func (cs *Console) home(r *request) error {
	return r.OK("home", "", "工作台", nil)
}
