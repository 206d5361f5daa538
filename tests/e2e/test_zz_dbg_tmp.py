import asyncio, time
from test_fault_drills import *

async def test_dbg(pbx, settings, tmp_path):
    url = f"sqlite:///{tmp_path/'x.db'}"
    from ivr.storage.db import migrate; migrate(url)
    svc, cid = make_campaign(settings, url, tmp_path, phones(list(range(6)), block=52), **RETRY_NOW)
    ari = app.ari_client(settings); await ari.connect()
    drill = Drill.start(svc, cid, ari)
    for i in range(40):
        await asyncio.sleep(0.5)
        print(i, len(drill.answers()), drill.dialing(), svc.repo.campaign_progress(cid).by_status, drill.task.done())
        if drill.task.done(): print(drill.task.result()); break
    await drill.stop(); await ari.close()
