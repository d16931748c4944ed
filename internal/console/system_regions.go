package console

import (
	"errors"
	"net/http"
	"strconv"

	"huixiang/internal/region"
)

// townshipRow is a township with how many villages it has.
type townshipRow struct {
	region.Region
	District string
	Villages int
}

type regionsData struct {
	Townships []townshipRow
	Villages  int
}

// regionsPage shows the import form and the current townships.
func (cs *Console) regionsPage(r *request) error {
	all, err := cs.d.Regions.Active(r.Ctx())
	if err != nil {
		return err
	}
	names, err := cs.d.Regions.Names(r.Ctx())
	if err != nil {
		return err
	}
	villages := map[string]int{}
	var d regionsData
	for _, g := range all {
		if g.Level == region.LevelVillage && g.ParentCode != nil {
			villages[*g.ParentCode]++
			d.Villages++
		}
	}
	for _, g := range all {
		if g.Level != region.LevelTownship {
			continue
		}
		t := townshipRow{Region: g, Villages: villages[g.Code]}
		if g.ParentCode != nil {
			t.District = names[*g.ParentCode]
		}
		d.Townships = append(d.Townships, t)
	}
	return r.OK("system/regions", "", "行政区划", d)
}

// regionsImport reads the uploaded CSV through the regions service (one transaction: a file
// with a bad line changes nothing) and shows how many rows it imported.
func (cs *Console) regionsImport(r *request) error {
	if cs.d.MaxUploadBytes > 0 {
		r.c.Request.Body = http.MaxBytesReader(r.c.Writer, r.c.Request.Body, cs.d.MaxUploadBytes+64<<10)
	}
	f, _, err := r.c.Request.FormFile("file")
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return r.redirectError("/system/regions", badInput("文件过大，请拆分后分批导入"))
		}
		return r.redirectError("/system/regions", badInput("请选择要导入的 CSV 文件"))
	}
	defer f.Close()
	res, err := cs.d.Regions.ImportCSV(r.Ctx(), r.Actor(), f)
	if err != nil {
		if Problem(err).Status < 500 {
			return r.redirectError("/system/regions", badInput("导入失败，未做任何修改。"+Problem(err).Message))
		}
		return err
	}
	return r.Redirect("/system/regions", "导入成功：共导入或更新 "+strconv.Itoa(res.Rows)+" 个行政区划")
}
