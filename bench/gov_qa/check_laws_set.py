"""Self-check for bench/gov_qa/laws.jsonl (part A: statutes and bylaws).

Run from the repository root:  .venv/bin/python bench/gov_qa/check_laws_set.py [CORPUS_DIR]
Checks: every line parses; ids unique; relevant files exist; for answerable rows every answer
string occurs (NFKC, kanji/arabic numerals unified) in the cited file and, where the article can
be located (XML via indexer.loaders, e-Gov/reiki HTML via a line parser), inside that article.
"""
import json, os, re, sys, unicodedata, glob
sys.path.insert(0,os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from indexer.loaders import load_bytes, LoadLimits
ROOT=sys.argv[1] if len(sys.argv)>1 else '/work/shared/data/gov/laws'
paths={os.path.basename(p):p for p in glob.glob(ROOT+'/**/*',recursive=True) if os.path.isfile(p)}
D={'〇':0,'零':0,'一':1,'二':2,'三':3,'四':4,'五':5,'六':6,'七':7,'八':8,'九':9}
U={'十':10,'百':100,'千':1000}
def k2i(s):
    total=0; sec=0; num=0
    for ch in s:
        if ch in D: num=num*10+D[ch]
        elif ch in U: sec+= (num or 1)*U[ch]; num=0
        elif ch=='万': total+=(sec+num)*10000; sec=0; num=0
    return total+sec+num
def norm(s):
    s=unicodedata.normalize('NFKC',s)
    s=re.sub(r'(?<=\d),(?=\d{3})','',s)
    s=re.sub(r'(\d+)万(\d*)',lambda m:str(int(m.group(1))*10000+int(m.group(2) or 0)),s)
    s=re.sub(r'[〇零一二三四五六七八九十百千万]+',lambda m:str(k2i(m.group())),s)
    s=re.sub(r'100分の(\d+)(?:・(\d+))?',lambda m:m.group(1)+('.'+m.group(2) if m.group(2) else '')+'%',s)
    s=re.sub(r'[箇ヶケか]月','月',s)
    s=re.sub(r'\s+','',s)
    return s
cache={}
def texts(name):
    if name in cache: return cache[name]
    raw=open(paths[name],'rb').read()
    doc=load_bytes(raw,name,LoadLimits())
    t='\n'.join(s.text for s in doc.sections)
    labels={getattr(s,'article',None) for s in doc.sections}
    if name.endswith('.html'):
        from bs4 import BeautifulSoup
        soup=BeautifulSoup(raw,'html.parser')
        for x in soup(['script','style']): x.decompose()
        t+='\n'+soup.get_text('')
    cache[name]=(norm(t),labels,t)
    return cache[name]
rows=[json.loads(l) for l in open(os.path.join(os.path.dirname(os.path.abspath(__file__)),'laws.jsonl'),encoding='utf-8')]
ids=[r['id'] for r in rows]; assert len(ids)==len(set(ids)),'dup ids'
bad=0
for r in rows:
    if not r['answerable']:
        assert r['relevant']==[] and r['answers']==[] and r['near_miss'] is True
        continue
    for f in r['relevant']:
        assert f in paths, f
        nt,labels,t=texts(f)
        for a in r['answers']:
            if norm(a) not in nt:
                print('MISSING', r['id'], f, a); bad+=1
        if f.endswith('.xml') and r['article'] not in labels:
            print('NOLABEL', r['id'], r['article']); bad+=1
        if f.endswith('.html'):
            base=re.match(r'(附則)?(第[^条]+条(の[一二三四五六七八九十]+)*)?',r['article']).group(0)
            art=re.sub(r'^附則','',base)
            if art and norm(art) not in nt: print('NOART', r['id'], r['article']); bad+=1
# stricter: for XML, answer inside the cited article's section text
for r in rows:
    if not r['answerable']: continue
    f=r['relevant'][0]
    if not f.endswith('.xml'): continue
    doc=load_bytes(open(paths[f],'rb').read(),f,LoadLimits())
    st=norm('\n'.join(s.text for s in doc.sections if s.article==r['article']))
    miss=[a for a in r['answers'] if norm(a) not in st]
    if miss: print('NOT-IN-ARTICLE', r['id'], r['article'], miss); bad+=1

import unicodedata
KD='〇一二三四五六七八九'
def i2k(n):
    if n==0: return '〇'
    out=''
    for v,c in ((1000,'千'),(100,'百'),(10,'十')):
        q=n//v
        if q: out+=('' if q==1 else KD[q])+c; n%=v
    if n: out+=KD[n]
    return out
def segs(name):
    from bs4 import BeautifulSoup
    soup=BeautifulSoup(open(paths[name],'rb').read(),'html.parser')
    for x in soup(['script','style']): x.decompose()
    t=soup.get_text('\n')
    lines=[l.strip() for l in t.split('\n')]
    cur=None; para=1; sup=False; res={}
    for l in lines:
        l2=unicodedata.normalize('NFKC',l)
        if cur is not None and (re.fullmatch(r'附\s*則.*',l2) or l2=='附'): sup=True; cur='附則'; para=1; continue
        m=re.fullmatch(r'第([0-9〇一二三四五六七八九十百千]+)条((の[0-9〇一二三四五六七八九十]+)*)',l2)
        if m:
            num=m.group(1); num=i2k(int(num)) if num.isdigit() else num
            sub=re.sub(r'の(\d+)',lambda x:'の'+i2k(int(x.group(1))),m.group(2))
            cur=('附則' if sup else '')+'第'+num+'条'+sub; para=1; continue
        m=re.fullmatch(r'([0-9]+)|([②-⑳])',l2)
        if m and cur:
            para=int(m.group(1)) if m.group(1) else '②③④⑤⑥⑦⑧⑨⑩'.index(m.group(2))+2
            continue
        if cur:
            lab=cur if para==1 else cur+'第'+i2k(para)+'項'
            res[lab]=res.get(lab,'')+l
    return res

hcache={}
for r in rows:
    if not r['answerable'] or not r['relevant'][0].endswith('.html'): continue
    f=r['relevant'][0]
    if f not in hcache: hcache[f]=segs(f)
    st=norm(hcache[f].get(r['article'],''))
    miss=[a for a in r['answers'] if norm(a) not in st]
    if not st: print('NOSEG',r['id'],r['article']); bad+=1
    elif miss: print('NOT-IN-ARTICLE',r['id'],r['article'],miss); bad+=1
print('rows',len(rows),'answerable',sum(r['answerable'] for r in rows),'problems',bad)
sys.exit(1 if bad else 0)
