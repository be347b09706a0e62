-- wrk script: POST a 1 KiB body (bench/ab.sh WRK_LUA=bench/post1k.lua REQUEST_PATH=/echo)
wrk.method = "POST"
wrk.body = string.rep("x", 1024)
wrk.headers["Content-Type"] = "application/octet-stream"
