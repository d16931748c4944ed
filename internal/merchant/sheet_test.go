package merchant

import (
	"errors"
	"strings"
	"testing"
	"time"

	"huixiang/internal/returnee"
	"huixiang/internal/vocab"
)

func testSheetLookups() *sheetLookups {
	return &sheetLookups{
		lists:     vocab.Lists{"intended_field": {{Code: "tea", Label: "茶叶"}, {Code: "ecommerce", Label: "农村电商"}}},
		townships: map[string]string{"990101": "990101", "官埠桥镇": "990101"},
		townName:  map[string]string{"990101": "官埠桥镇"},
		industry:  map[string]string{"C": "C", "13": "13", "01": "01", "农副食品加工业": "13", "农业": "01"},
		section:   map[string]string{"C": "C", "13": "C", "01": "A"},
	}
}

// cellsOf lays a row out in the template's column order.
func cellsOf(v map[int]string) ([]string, map[int]int) {
	cells := make([]string, len(sheetColumns))
	idx := map[int]int{}
	for i := range sheetColumns {
		idx[i] = i
		cells[i] = v[i]
	}
	return cells, idx
}

// A row is read as clerks type it: names or codes, band names with other dashes, a division
// Excel made a number, several fields; a bad value names its column in Chinese.
func TestReadRow_namesCodesAndReasons(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := testSheetLookups()
	row := map[int]string{colName: "吴楚雄", colIDCard: "11010519491231002X", colTownship: "官埠桥镇", colProvince: "浙江省",
		colIndustry: "1", colEntName: "义乌楚雄小商品有限公司", colAmount: "1000-5000万元", colFields: "茶叶、ecommerce",
		colSize: "小型", colTiming: "一年内"}
	cells, idx := cellsOf(row)
	r, err := readRow(2, cells, idx, l, now)
	if err != nil {
		t.Fatal(err)
	}
	if r.card == nil || r.p.TownshipCode != "990101" || r.p.IndustryCode != "01" || r.p.IndustrySection != "A" ||
		r.p.AmountBand != "1000_5000" || strings.Join(r.p.Fields, ",") != "ecommerce,tea" || r.p.Source != SourceImport ||
		r.ent == nil || r.ent.Name != "义乌楚雄小商品有限公司" || r.p.SizeBand != "small" || r.p.Timing != "within_1y" {
		t.Fatalf("row = %+v / %+v", r.p, r.ent)
	}
	for col, bad := range map[int]string{colIDCard: "110105194912310021", colIndustry: "99", colTownship: "不存在镇",
		colAmount: "很多", colFields: "宇航", colUSCC: "91421202MA4000001Z", colSource: "网上抓取", colPhone: "12345", colRecord: "x"} {
		v := map[int]string{}
		for k, x := range row {
			v[k] = x
		}
		v[col] = bad
		cells, idx := cellsOf(v)
		_, err := readRow(3, cells, idx, l, now)
		var rp *rowProblem
		if !errors.As(err, &rp) || rp.Column != sheetColumns[col].Header || rp.Reason == "" {
			t.Errorf("%s = %q: %v", sheetColumns[col].Header, bad, err)
		}
	}
	// No ID number, record number or credit code: a new merchant needs the ID number.
	v := map[int]string{}
	for k, x := range row {
		v[k] = x
	}
	v[colIDCard] = ""
	cells, idx = cellsOf(v)
	if _, err := readRow(4, cells, idx, l, now); err == nil || !strings.Contains(err.Error(), "身份证号") {
		t.Errorf("no identity: %v", err)
	}
}

// Unknown and duplicated headers refuse the sheet; an export's extra columns are ignored.
func TestHeaderIndex(t *testing.T) {
	h := []string{"姓名*", "身份证号", "籍贯乡镇（街道）", "经营所在省份", "行业代码", "最近确认时间"}
	idx, err := headerIndex(h)
	if err != nil || idx[colIndustry] != 4 || len(idx) != 5 {
		t.Fatalf("idx %v err %v", idx, err)
	}
	var he *returnee.HeaderError
	if _, err := headerIndex(append(h, "行业", "姓名")); !errors.As(err, &he) || len(he.Unexpected) != 2 {
		t.Fatalf("unknown/duplicate: %v", err)
	}
	if _, err := headerIndex([]string{"姓名"}); !errors.As(err, &he) || len(he.Missing) != 3 {
		t.Fatalf("missing: %v", err)
	}
}

// The row's enterprise updates the stored one of its credit code (keeping its own industry and
// place), else is added; a row without one keeps them all.
func TestMergeEnterprise(t *testing.T) {
	ents := []Enterprise{{Name: "甲公司", USCC: "A1", IndustryCode: "65", Province: "广东省"}, {Name: "乙公司"}}
	got, _ := mergeEnterprise(ents, &Enterprise{Name: "甲公司（新名）", USCC: "A1", IndustryCode: "13"})
	if len(got) != 2 || got[0].Name != "甲公司（新名）" || got[0].IndustryCode != "65" || ents[0].Name != "甲公司" {
		t.Fatalf("by code = %+v", got)
	}
	got, _ = mergeEnterprise(ents, &Enterprise{Name: "乙公司", USCC: "B2"})
	if len(got) != 2 || got[1].USCC != "B2" {
		t.Fatalf("by name = %+v", got)
	}
	got, _ = mergeEnterprise(ents, &Enterprise{Name: "丙公司"})
	if len(got) != 3 {
		t.Fatalf("new = %+v", got)
	}
	if got, _ = mergeEnterprise(ents, nil); len(got) != 2 {
		t.Fatalf("none = %+v", got)
	}
}
