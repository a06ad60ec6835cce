"""Word lists of the demo world: cities, company-name parts, industries, people, products, texts.

Everything here is small and static; the generators index these lists with numpy arrays.
"""

from __future__ import annotations

# city (as written in CRM and ERP), province, phone area code, admin division code (USCC chars 3-8)
CITIES: tuple[tuple[str, str, str, str], ...] = (
    ("苏州市", "江苏省", "0512", "320500"), ("南通市", "江苏省", "0513", "320600"),
    ("无锡市", "江苏省", "0510", "320200"), ("常州市", "江苏省", "0519", "320400"),
    ("杭州市", "浙江省", "0571", "330100"), ("绍兴市", "浙江省", "0575", "330600"),
    ("宁波市", "浙江省", "0574", "330200"), ("嘉兴市", "浙江省", "0573", "330400"),
    ("湖州市", "浙江省", "0572", "330500"), ("温州市", "浙江省", "0577", "330300"),
    ("上海市", "上海市", "021", "310000"), ("广州市", "广东省", "020", "440100"),
    ("佛山市", "广东省", "0757", "440600"), ("东莞市", "广东省", "0769", "441900"),
    ("深圳市", "广东省", "0755", "440300"), ("汕头市", "广东省", "0754", "440500"),
    ("泉州市", "福建省", "0595", "350500"), ("厦门市", "福建省", "0592", "350200"),
    ("青岛市", "山东省", "0532", "370200"), ("潍坊市", "山东省", "0536", "370700"),
    ("石家庄市", "河北省", "0311", "130100"), ("郑州市", "河南省", "0371", "410100"),
    ("武汉市", "湖北省", "027", "420100"), ("成都市", "四川省", "028", "510100"),
    ("北京市", "北京市", "010", "110000"), ("天津市", "天津市", "022", "120000"),
)
#: relative weight of each city (textile clusters are in Jiangsu, Zhejiang, Guangdong)
CITY_WEIGHTS = (9, 6, 5, 4, 6, 8, 4, 4, 3, 3, 5, 5, 4, 4, 3, 3, 3, 2, 3, 2, 2, 2, 2, 2, 2, 2)

BRAND_CHARS = tuple(
    "华锦恒盛鑫源达丰泰隆兴昌瑞祥宏伟新永嘉美佳和顺福德利通金宝天海江东南龙凤星光明辉晨阳春秋"
    "雅丽彩虹云润泽博越卓远航森林晶玉诚信安康乐益荣振汇邦联创科正大"
)
# business words: the "what we do" part of a company name (none ends with a legal-form suffix)
BUSINESS_WORDS = ("纺织", "织造", "服饰", "服装", "家纺", "布业", "印染", "化纤", "丝绸", "针织",
                  "文具", "办公用品", "贸易", "商贸", "实业", "制衣")
LEGAL_SUFFIXES = ("有限公司", "有限责任公司", "股份有限公司")
LEGAL_SUFFIX_WEIGHTS = (0.72, 0.16, 0.12)
ENGLISH_SUFFIXES = (" Co., Ltd.", " CO., LTD", " Company Limited")

# standard industry code -> free-text spellings seen in the CRM (Chinese and English)
INDUSTRY_TEXTS: dict[str, tuple[str, ...]] = {
    "apparel": ("服装制造", "Apparel", "服装", "服装加工"),
    "home_textile": ("家纺", "Home Textile", "家用纺织品"),
    "industrial_fabric": ("工业用布", "Industrial Fabric", "产业用纺织品"),
    "retail": ("零售", "Retail", "服装零售"),
    "wholesale": ("批发", "Wholesale", "纺织品批发"),
    "manufacturing": ("制造业", "Manufacturing", "纺织制造"),
    "services": ("服务", "Services", "设计服务"),
    "unknown": ("其他", "N/A", "跨境电商", "Misc"),
}
INDUSTRY_WEIGHTS = (0.26, 0.14, 0.10, 0.14, 0.16, 0.08, 0.04, 0.08)

SALES_REPS = ("王磊", "李娜", "张伟", "刘洋", "陈静", "杨帆", "赵敏", "黄涛", "周婷", "吴昊",
              "徐丽", "孙鹏", "胡军", "朱琳", "高峰", "林晓", "何勇", "郭敏", "马超", "罗丹")
SURNAMES = tuple("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕")
GIVEN_CHARS = tuple("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏飞建国志文斌")
TITLES = ("采购经理", "总经理", "采购专员", "财务主管", "设计总监", "老板", "Purchasing Manager", "跟单员")
EMAIL_DOMAINS = ("163.com", "126.com", "qq.com", "sina.com", "foxmail.com", "aliyun.com")
MOBILE_PREFIXES = ("138", "139", "135", "136", "150", "151", "158", "159", "186", "187", "188", "189",
                   "133", "153", "177", "180")

# products: line -> (item names, specs)
PRODUCT_LINES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "面料": (("全棉府绸", "涤棉平纹布", "真丝双绉", "亚麻布", "牛仔布", "雪纺", "灯芯绒", "天丝斜纹"),
           ("40S", "60S", "32S", "150cm", "160cm", "12oz")),
    "家纺": (("四件套", "毛巾被", "床笠", "枕套", "羽绒被", "窗帘布"), ("1.5m", "1.8m", "2.0m", "单人", "双人")),
    "工业用布": (("涤纶帆布", "无纺布", "过滤布", "牛津布", "土工布"), ("600D", "300D", "80g", "120g", "200g")),
    "辅料": (("纽扣", "拉链", "松紧带", "织唛", "衬布"), ("5号", "3号", "20mm", "25mm", "黑色", "白色")),
    "文具": (("中性笔", "笔记本", "文件夹", "订书机", "便利贴", "彩色铅笔"), ("0.5mm", "A5", "A4", "12色", "盒装")),
}
GRADES = ("premium", "standard", "economy")
GRADE_PRICE = (2.2, 1.0, 0.55)

ACTIVITY_TYPES = ("Call", "Email", "Visit", "Meeting", "Service Request", "Complaint")
ACTIVITY_WEIGHTS = (0.36, 0.25, 0.15, 0.12, 0.08, 0.04)
ACTIVITY_SUBJECTS: dict[str, tuple[str, ...]] = {
    "Call": ("电话沟通新季面料报价", "电话确认交期", "回访: 到货情况", "电话跟进样品反馈"),
    "Email": ("发送报价单", "Email: price list 2025", "邮件确认订单明细", "发送对账单"),
    "Visit": ("拜访客户, 样品确认", "上门拜访采购部", "陪同客户看厂"),
    "Meeting": ("年度框架协议洽谈", "新品发布会", "季度业务回顾"),
    "Service Request": ("补发色卡", "申请开具发票", "修改收货地址"),
    "Complaint": ("投诉: 色差严重", "投诉: 交期延误", "投诉: 数量短缺", "Complaint: wrong width"),
}

CHANNELS = ("wechat", "weibo", "douyin")
ENGAGEMENT_TYPES = ("message", "comment", "like", "share", "inquiry", "complaint")
ENGAGEMENT_WEIGHTS = (0.22, 0.2, 0.32, 0.1, 0.11, 0.05)
ENGAGEMENT_TEXTS: dict[str, tuple[str | None, ...]] = {
    "message": ("你好, 请问有现货吗?", "发一下最新色卡", "谢谢!"),
    "comment": ("面料手感很好", "颜色很正", "期待新款"),
    "like": (None,),
    "share": (None, "推荐给同行"),
    "inquiry": ("询价: 全棉府绸 1000米", "请问起订量是多少?", "可以开专票吗?"),
    "complaint": ("上次的货有色差, 请处理", "发货太慢了", "客服一直不回复"),
}
NICKNAME_HEADS = ("布艺", "小", "阿", "纺织", "面料", "文具控", "老", "Lucky", "Mia", "大")
NICKNAME_TAILS = ("达人", "王", "姐", "哥", "小铺", "工作室", "_2024", "888", "Go", "同学")

# foreign currencies: code, base CNY rate
CURRENCIES = (("CNY", 1.0), ("USD", 7.18), ("EUR", 7.82), ("HKD", 0.92))
