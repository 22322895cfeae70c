from __future__ import annotations

from pathlib import Path

import pytest

from genscene.pipeline.compose import (
    AudioMix,
    ClipAudio,
    ClipGrade,
    EncodeProgress,
    EncodeSettings,
    ProgressParser,
    Segment,
    SubtitleTrack,
    Timeline,
    TimelineScene,
    Transition,
    build_audio_argv,
    build_audio_convert_argv,
    build_encode_argv,
    build_frames_argv,
    build_frames_graph,
    build_loudness_argv,
    build_mux_argv,
    build_part_argv,
    build_poster_argv,
    camera_expressions,
    concat_list,
    escape_filter_value,
    loudness_gain_db,
    parse_integrated_loudness,
    plan_chunks,
)

A, B, C = Path("/m/a.png"), Path("/m/b.png"), Path("/m/c.png")
FIT = (
    "scale=640:360:force_original_aspect_ratio=increase:out_color_matrix=bt709:out_range=tv,"
    "crop=640:360,setsar=1,format=yuv420p"
)
AUDIO = "aresample=48000,aformat=sample_fmts=fltp:sample_rates=48000:channel_layouts=stereo"
MASTER = (
    "alimiter=limit=0.84:level=0:latency=1,"
    "aformat=sample_fmts=fltp:sample_rates=48000:channel_layouts=stereo[a]"
)
X264 = [
    "-c:v",
    "libx264",
    "-preset",
    "veryfast",
    "-crf",
    "23",
    "-pix_fmt",
    "yuv420p",
    "-colorspace",
    "bt709",
    "-color_primaries",
    "bt709",
    "-color_trc",
    "bt709",
    "-color_range",
    "tv",
]
TAIL = ["-movflags", "+faststart", "-progress", "pipe:1", "-nostats", "-f", "mp4", "-y"]


FADE = Transition("fade", 15)


def two_stills(transition: Transition = FADE) -> Timeline:
    return Timeline(640, 360, 30, (TimelineScene(A, 60), TimelineScene(B, 45)), (transition,))


def test_build_audio_convert_argv_mp3_unchanged_behaviour() -> None:
    assert build_audio_convert_argv("ffmpeg", Path("/a.wav"), Path("/b.mp3"), "mp3") == [
        "ffmpeg",
        "-hide_banner",
        "-nostdin",
        "-loglevel",
        "error",
        "-i",
        "/a.wav",
        "-b:a",
        "128k",
        "-acodec",
        "libmp3lame",
        "/b.mp3",
        "-y",
    ]


def test_timeline_segments_and_starts_follow_transitions() -> None:
    timeline = Timeline(
        640,
        360,
        30,
        (TimelineScene(A, 60), TimelineScene(B, 45), TimelineScene(C, 50)),
        (Transition("fade", 15), Transition("none", 0)),
    )
    assert timeline.total_frames == 140
    assert timeline.duration_s == pytest.approx(140 / 30)
    assert timeline.start_frames() == [0, 45, 90]
    assert timeline.segments() == [
        Segment("body", 0, 45),
        Segment("xfade", 1, 15),
        Segment("body", 1, 30),
        Segment("body", 2, 50),
    ]


@pytest.mark.parametrize(
    ("scenes", "transitions"),
    [
        ((), ()),
        ((TimelineScene(A, 60),), (Transition("fade", 15),)),
        ((TimelineScene(A, 20), TimelineScene(B, 60)), (Transition("fade", 20),)),
        ((TimelineScene(A, 60), TimelineScene(B, 60)), (Transition("spin", 15),)),
        ((TimelineScene(A, 60), TimelineScene(B, 60)), (Transition("none", 5),)),
        ((TimelineScene(A, 60, "dolly"),), ()),
    ],
)
def test_timeline_inconsistent_rejected(
    scenes: tuple[TimelineScene, ...], transitions: tuple[Transition, ...]
) -> None:
    with pytest.raises(ValueError):
        Timeline(640, 360, 30, scenes, transitions)


def test_plan_chunks_cut_before_bodies_every_scene_covered() -> None:
    scenes = tuple(TimelineScene(A, 60) for _ in range(5))
    timeline = Timeline(640, 360, 30, scenes, tuple(Transition("fade", 15) for _ in range(4)))
    chunks = plan_chunks(timeline, max_scenes=2)
    assert chunks == [
        (Segment("body", 0, 45), Segment("xfade", 1, 15)),
        (Segment("body", 1, 30), Segment("xfade", 2, 15)),
        (Segment("body", 2, 30), Segment("xfade", 3, 15)),
        (Segment("body", 3, 30), Segment("xfade", 4, 15)),
        (Segment("body", 4, 45),),
    ]
    assert sum(s.frames for chunk in chunks for s in chunk) == timeline.total_frames
    assert len(plan_chunks(timeline, max_scenes=8)) == 1


def test_build_frames_argv_two_stills_crossfade_exact() -> None:
    timeline = two_stills()
    assert build_frames_argv("ffmpeg", timeline, timeline.segments(), "/w/frames") == [
        "ffmpeg",
        "-hide_banner",
        "-nostdin",
        "-loglevel",
        "error",
        "-framerate",
        "30",
        "-i",
        "/m/a.png",
        "-framerate",
        "30",
        "-i",
        "/m/b.png",
        "-filter_complex",
        f"[0:v]{FIT},split=2[p0_0][p0_1];"
        "[p0_0]loop=loop=44:size=1,settb=1/30,setpts=N[b0];"
        "[p0_1]format=yuv444p,loop=loop=14:size=1,settb=1/30,setpts=N[t0];"
        f"[1:v]{FIT},split=2[p1_0][p1_1];"
        "[p1_0]format=yuv444p,loop=loop=14:size=1,settb=1/30,setpts=N[h1];"
        "[p1_1]loop=loop=29:size=1,settb=1/30,setpts=N[b1];"
        "[t0][h1]xfade=transition=fadeblack:duration=0.5:offset=0,format=yuv420p[x1];"
        "[b0][x1][b1]concat=n=3:v=1:a=0[v]",
        "-map",
        "[v]",
        "-fps_mode",
        "passthrough",
        "-f",
        "rawvideo",
        "-pix_fmt",
        "yuv420p",
        "-y",
        "/w/frames",
    ]


def test_build_frames_graph_cut_concat_only_no_xfade() -> None:
    timeline = two_stills(Transition("none", 0))
    inputs, graph = build_frames_graph(timeline, timeline.segments())
    assert inputs == ["-framerate", "30", "-i", "/m/a.png", "-framerate", "30", "-i", "/m/b.png"]
    assert graph == (
        f"[0:v]{FIT},loop=loop=59:size=1,settb=1/30,setpts=N[b0];"
        f"[1:v]{FIT},loop=loop=44:size=1,settb=1/30,setpts=N[b1];"
        "[b0][b1]concat=n=2:v=1:a=0[v]"
    )


def test_build_frames_graph_second_chunk_camera_continues_from_offset() -> None:
    timeline = Timeline(
        640,
        360,
        30,
        (TimelineScene(A, 60, "zoom-in"), TimelineScene(B, 45, "pan-left")),
        (Transition("wipe-left", 15),),
    )
    first, second = plan_chunks(timeline, max_scenes=1)
    inputs, graph = build_frames_graph(timeline, second)
    corners = (
        "x0=W*0.130435*(1-(in+14)/44):y0=H*0.065217:"
        "x1=W*(0.130435*(1-(in+14)/44)+0.869565):y1=H*0.065217:"
        "x2=W*0.130435*(1-(in+14)/44):y2=H*0.934783:"
        "x3=W*(0.130435*(1-(in+14)/44)+0.869565):y3=H*0.934783"
    )
    assert inputs == ["-framerate", "30", "-i", "/m/b.png"]
    assert graph == (
        f"[0:v]{FIT},loop=loop=29:size=1,settb=1/30,setpts=N,"
        f"perspective={corners}:interpolation=linear:eval=frame[b1];[b1]null[v]"
    )
    _, first_graph = build_frames_graph(timeline, first)
    # The first chunk renders scene 1's head only: frames 0..14, camera from frame 0.
    assert "loop=loop=14:size=1,settb=1/30,setpts=N,perspective=x0=W*0.130435*(1-(in-1)/44)" in (
        first_graph
    )
    assert "xfade=transition=wipeleft:duration=0.5:offset=0" in first_graph


def test_build_frames_graph_video_clip_graded_trimmed_letterboxed() -> None:
    clip = TimelineScene(
        Path("/u/c.mp4"),
        50,
        "static",
        is_video=True,
        grade=ClipGrade(Path("/w/g.cube"), vignette=0.5, grain=0.2),
        letterbox_aspect=2.39,
    )
    timeline = Timeline(640, 360, 25, (clip,), ())
    assert build_frames_graph(timeline, timeline.segments()) == (
        ["-t", "2.5", "-i", "/u/c.mp4"],
        "[0:v]setpts=PTS-STARTPTS,fps=25,"
        "scale=640:360:force_original_aspect_ratio=increase,crop=640:360,setsar=1,format=gbrp,"
        "lut3d=file=/w/g.cube:interp=tetrahedral,vignette=angle=0.5,noise=alls=8:allf=t,"
        "scale=out_color_matrix=bt709:out_range=tv,format=yuv420p,"
        "tpad=stop_mode=clone:stop_duration=2,trim=start_frame=0:end_frame=50,"
        "settb=1/25,setpts=N,"
        "drawbox=x=0:y=0:w=iw:h=46:color=black:t=fill,"
        "drawbox=x=0:y=ih-46:w=iw:h=46:color=black:t=fill[b0];[b0]null[v]",
    )


@pytest.mark.parametrize(
    ("camera", "first", "x0", "x1", "y0"),
    [
        ("zoom-in", 0, "W*(1-exp(-0.139762*(in-1)/89))/2", "W*(1+exp(-0.139762*(in-1)/89))/2",
         "H*(1-exp(-0.139762*(in-1)/89))/2"),
        ("zoom-out", 1, "W*(1-exp(0.139762*(in/89-1)))/2", "W*(1+exp(0.139762*(in/89-1)))/2",
         "H*(1-exp(0.139762*(in/89-1)))/2"),
        ("pan-right", 15, "W*0.130435*(in+14)/89", "W*(0.130435*(in+14)/89+0.869565)",
         "H*0.065217"),
        ("pan-left", 0, "W*0.130435*(1-(in-1)/89)", "W*(0.130435*(1-(in-1)/89)+0.869565)",
         "H*0.065217"),
    ],
)  # fmt: skip
def test_camera_expressions_corners_exact(
    camera: str, first: int, x0: str, x1: str, y0: str
) -> None:
    corners = camera_expressions(camera, 90, first)
    assert (corners["x0"], corners["x1"], corners["y0"]) == (x0, x1, y0)
    # Top edge shared by corners 0 and 1, left edge by 0 and 2, and so on.
    assert corners["y1"] == corners["y0"] and corners["x2"] == corners["x0"]
    assert corners["x3"] == corners["x1"] and corners["y3"] == corners["y2"]
    assert "," not in "".join(corners.values())  # no graph-level escaping needed


def test_escape_filter_value_quotes_colons_commas_brackets() -> None:
    assert escape_filter_value("/tmp/we'ird, [dir]; x:y/a.ass") == (
        "/tmp/we\\\\\\'ird\\, \\[dir\\]\\; x\\\\:y/a.ass"
    )


def test_build_encode_argv_plain_exact() -> None:
    argv = build_encode_argv(
        "ffmpeg",
        frames="/w/f.yuv",
        timeline=two_stills(),
        audio=AudioMix(Path("/w/n.wav"), 96000),
        output=Path("/w/v.mp4"),
    )
    assert argv == [
        "ffmpeg",
        "-hide_banner",
        "-nostdin",
        "-loglevel",
        "error",
        "-f",
        "rawvideo",
        "-pix_fmt",
        "yuv420p",
        "-video_size",
        "640x360",
        "-framerate",
        "30",
        "-i",
        "/w/f.yuv",
        "-i",
        "/w/n.wav",
        "-filter_complex",
        f"[1:a]{AUDIO},apad=whole_len=96000,atrim=end_sample=96000[mix];[mix]volume=0dB,{MASTER}",
        "-map",
        "0:v",
        "-map",
        "[a]",
        *X264,
        "-c:a",
        "aac",
        "-b:a",
        "160k",
        *TAIL,
        "/w/v.mp4",
    ]


def test_build_encode_argv_burn_music_ducked_exact() -> None:
    argv = build_encode_argv(
        "ffmpeg",
        frames="/w/f.yuv",
        timeline=two_stills(),
        audio=AudioMix(Path("/w/n.wav"), 480000, Path("/u/m.mp3"), 0.3, True, -2.5),
        output=Path("/w/v.mp4"),
        subtitles=SubtitleTrack("burn", Path("/w/s,1.ass"), Path("/fonts")),
        title="Night",
        settings=EncodeSettings("medium", 20, "128k"),
    )
    graph = argv[argv.index("-filter_complex") + 1]
    assert argv[argv.index("-i", 15) : argv.index("-filter_complex")] == [
        "-i",
        "/w/n.wav",
        "-stream_loop",
        "-1",
        "-i",
        "/u/m.mp3",
    ]
    assert graph == (
        "[0:v]ass=filename=/w/s\\,1.ass:fontsdir=/fonts[v];"
        f"[1:a]{AUDIO},apad=whole_len=480000,atrim=end_sample=480000,asplit=2[narr][key];"
        f"[2:a]{AUDIO},volume=0.3,atrim=end_sample=480000,"
        "afade=t=out:start_sample=384000:nb_samples=96000[music];"
        "[music][key]sidechaincompress=threshold=0.02:ratio=8:attack=15:release=400[ducked];"
        "[narr][ducked]amix=inputs=2:duration=first:dropout_transition=0:normalize=0[mix];"
        f"[mix]volume=-2.5dB,{MASTER}"
    )
    assert argv[argv.index("-map") : argv.index("-map") + 4] == ["-map", "[v]", "-map", "[a]"]
    assert argv[argv.index("-preset") + 1 : argv.index("-preset") + 4] == ["medium", "-crf", "20"]
    assert argv[-11:] == ["-metadata", "title=Night", *TAIL, "/w/v.mp4"]


def test_build_encode_argv_soft_subtitles_mov_text_track() -> None:
    argv = build_encode_argv(
        "ffmpeg",
        frames="/w/f.yuv",
        timeline=two_stills(),
        audio=AudioMix(Path("/w/n.wav"), 96000, Path("/u/m.mp3"), 0.3, False),
        output=Path("/w/v.mp4"),
        subtitles=SubtitleTrack("soft", Path("/w/s.srt")),
    )
    assert argv[argv.index("/u/m.mp3") + 1 : argv.index("/u/m.mp3") + 3] == ["-i", "/w/s.srt"]
    maps = argv[argv.index("-map") : argv.index("-c:v")]
    assert maps == [
        "-map",
        "0:v",
        "-map",
        "[a]",
        "-map",
        "3:s",
        "-c:s",
        "mov_text",
        "-metadata:s:s:0",
        "language=eng",
    ]
    graph = argv[argv.index("-filter_complex") + 1]
    assert "[narr][music]amix=" in graph and "sidechaincompress" not in graph


def test_build_encode_argv_clip_sound_placed_faded_and_ducked_exact() -> None:
    clip = ClipAudio(Path("/u/c.mp4"), start_sample=48000, samples=96000, fade_in=24000)
    argv = build_encode_argv(
        "ffmpeg",
        frames="/w/f.yuv",
        timeline=two_stills(),
        audio=AudioMix(Path("/w/n.wav"), 192000, clips=(clip,)),
        output=Path("/w/v.mp4"),
        subtitles=SubtitleTrack("soft", Path("/w/s.srt")),
    )
    assert argv[argv.index("/w/n.wav") + 1 : argv.index("-filter_complex")] == [
        "-t",
        "2.5",
        "-i",
        "/u/c.mp4",
        "-i",
        "/w/s.srt",
    ]
    graph = argv[argv.index("-filter_complex") + 1]
    assert graph == (
        f"[1:a]{AUDIO},apad=whole_len=192000,atrim=end_sample=192000,asplit=2[narr][key];"
        f"[2:a]asetpts=PTS-STARTPTS,{AUDIO},volume=1,atrim=end_sample=96000,"
        "apad=whole_len=96000,afade=t=in:start_sample=0:nb_samples=24000,"
        "adelay=delays=48000S:all=1,apad=whole_len=192000,atrim=end_sample=192000[clip0];"
        "[clip0][key]sidechaincompress=threshold=0.02:ratio=8:attack=15:release=400[ducked];"
        "[narr][ducked]amix=inputs=2:duration=first:dropout_transition=0:normalize=0[mix];"
        f"[mix]volume=0dB,{MASTER}"
    )
    # The subtitle input comes after the clip's: its index counts the clip.
    assert argv[argv.index("-c:s") - 2 : argv.index("-c:s")] == ["-map", "3:s"]


def test_audio_mix_music_and_two_clips_each_ducked_separately() -> None:
    clips = (
        ClipAudio(Path("/u/c1.mp4"), 0, 48000, volume=0.5, fade_out=12000),
        ClipAudio(Path("/u/c2.mp4"), 48000, 48000),
    )
    mix = AudioMix(Path("/w/n.wav"), 96000, Path("/u/m.mp3"), 0.3, False, clips=clips)
    argv = build_loudness_argv("ffmpeg", mix)
    assert argv[argv.index("/u/m.mp3") + 1 :][:8] == [
        "-t",
        "1.5",
        "-i",
        "/u/c1.mp4",
        "-t",
        "1.5",
        "-i",
        "/u/c2.mp4",
    ]
    chains = argv[argv.index("-filter_complex") + 1].split(";")
    assert chains[0].endswith(",asplit=2[narr][key]")  # music is not ducked, clips are
    assert chains[1].startswith("[1:a]") and chains[1].endswith("[music]")
    assert chains[2] == (
        f"[2:a]asetpts=PTS-STARTPTS,{AUDIO},volume=0.5,atrim=end_sample=48000,"
        "apad=whole_len=48000,afade=t=out:start_sample=36000:nb_samples=12000,"
        "apad=whole_len=96000,atrim=end_sample=96000[clip0]"
    )
    assert chains[3].startswith("[3:a]") and "adelay=delays=48000S:all=1" in chains[3]
    assert chains[4] == (
        "[clip0][clip1]amix=inputs=2:duration=first:dropout_transition=0:normalize=0[clips]"
    )
    assert chains[5] == (
        "[clips][key]sidechaincompress=threshold=0.02:ratio=8:attack=15:release=400[ducked]"
    )
    assert chains[6] == (
        "[narr][music][ducked]amix=inputs=3:duration=first:dropout_transition=0:normalize=0[mix]"
    )
    assert mix.input_count == 4


QUIET = ["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error"]


def test_build_part_argv_composes_and_encodes_one_chunk_exact() -> None:
    timeline = two_stills()
    chunk = tuple(timeline.segments())
    inputs, graph = build_frames_graph(timeline, chunk)
    argv = build_part_argv("ffmpeg", timeline, chunk, Path("/w/p0.mp4"), start_frame=0)
    assert argv == [
        *QUIET,
        *inputs,
        "-filter_complex",
        graph,
        "-map",
        "[v]",
        "-fps_mode",
        "passthrough",
        *X264,
        "-an",
        "-progress",
        "pipe:1",
        "-nostats",
        "-f",
        "mp4",
        "-y",
        "/w/p0.mp4",
    ]


def test_build_part_argv_burns_subtitles_at_timeline_time() -> None:
    timeline = two_stills()
    chunk = (timeline.segments()[-1],)  # scene 2's body: starts at frame 60 of the video
    argv = build_part_argv(
        "ffmpeg",
        timeline,
        chunk,
        Path("/w/p1.mp4"),
        start_frame=60,
        subtitles=SubtitleTrack("burn", Path("/w/s.ass"), Path("/fonts")),
        settings=EncodeSettings("medium", 20, "128k"),
    )
    graph = argv[argv.index("-filter_complex") + 1]
    _, frames_graph = build_frames_graph(timeline, chunk)
    # Shift to the timeline's clock for libass, then back so the part starts at 0.
    assert graph == (
        frames_graph + ";[v]setpts=PTS+2/TB,ass=filename=/w/s.ass:fontsdir=/fonts,"
        "setpts=PTS-STARTPTS[vs]"
    )
    assert argv[argv.index("-map") + 1] == "[vs]"
    assert argv[argv.index("-preset") + 1 : argv.index("-preset") + 4] == ["medium", "-crf", "20"]


def test_build_audio_argv_masters_the_soundtrack_exact() -> None:
    mix = AudioMix(Path("/w/n.wav"), 96000, gain_db=3.5)
    assert build_audio_argv("ffmpeg", mix, Path("/w/a.m4a")) == [
        *QUIET,
        "-i",
        "/w/n.wav",
        "-filter_complex",
        f"[0:a]{AUDIO},apad=whole_len=96000,atrim=end_sample=96000[mix];[mix]volume=3.5dB,{MASTER}",
        "-map",
        "[a]",
        "-c:a",
        "aac",
        "-b:a",
        "160k",
        "-f",
        "mp4",
        "-y",
        "/w/a.m4a",
    ]


def test_build_mux_argv_joins_parts_and_sound_without_reencoding() -> None:
    assert build_mux_argv(
        "ffmpeg", parts_list=Path("/w/parts.txt"), audio=Path("/w/a.m4a"), output=Path("/o.mp4")
    ) == [
        *QUIET,
        "-f",
        "concat",
        "-safe",
        "0",
        "-i",
        "/w/parts.txt",
        "-i",
        "/w/a.m4a",
        "-map",
        "0:v",
        "-map",
        "1:a",
        "-c:v",
        "copy",
        "-c:a",
        "copy",
        "-movflags",
        "+faststart",
        "-f",
        "mp4",
        "-y",
        "/o.mp4",
    ]


def test_build_mux_argv_soft_subtitles_and_title() -> None:
    argv = build_mux_argv(
        "ffmpeg",
        parts_list=Path("/w/parts.txt"),
        audio=Path("/w/a.m4a"),
        output=Path("/o.mp4"),
        subtitles=SubtitleTrack("soft", Path("/w/s.srt"), language="spa"),
        title="Noche",
    )
    assert argv[argv.index("/w/a.m4a") + 1 : argv.index("-movflags")] == [
        "-i",
        "/w/s.srt",
        "-map",
        "0:v",
        "-map",
        "1:a",
        "-map",
        "2:s",
        "-c:s",
        "mov_text",
        "-metadata:s:s:0",
        "language=spa",
        "-c:v",
        "copy",
        "-c:a",
        "copy",
        "-metadata",
        "title=Noche",
    ]
    # Burned subtitles are drawn by the parts: the join ignores them.
    burn = SubtitleTrack("burn", Path("/w/s.ass"))
    plain = build_mux_argv("ffmpeg", parts_list=Path("/p"), audio=Path("/a"), output=Path("/o"))
    assert (
        build_mux_argv(
            "ffmpeg", parts_list=Path("/p"), audio=Path("/a"), output=Path("/o"), subtitles=burn
        )
        == plain
    )


def test_concat_list_quotes_every_path() -> None:
    assert concat_list([Path("/w/part0.mp4"), Path("/w/it's/part1.mp4")]) == (
        "file '/w/part0.mp4'\nfile '/w/it'\\''s/part1.mp4'\n"
    )


def test_build_loudness_argv_exact() -> None:
    assert build_loudness_argv("ffmpeg", AudioMix(Path("/w/n.wav"), 96000)) == [
        "ffmpeg",
        "-hide_banner",
        "-nostdin",
        "-nostats",
        "-i",
        "/w/n.wav",
        "-filter_complex",
        f"[0:a]{AUDIO},apad=whole_len=96000,atrim=end_sample=96000[mix];"
        "[mix]ebur128=framelog=verbose[out]",
        "-map",
        "[out]",
        "-f",
        "null",
        "-",
    ]


def test_parse_integrated_loudness_summary_value() -> None:
    summary = [
        "[Parsed_ebur128_4 @ 0x55] Summary:",
        "",
        "  Integrated loudness:",
        "    I:         -20.5 LUFS",
        "    Threshold: -30.7 LUFS",
        "  Loudness range:",
        "    LRA:         3.9 LU",
    ]
    assert parse_integrated_loudness(summary) == -20.5
    assert parse_integrated_loudness(["    I:         -70.0 LUFS"]) is None
    assert parse_integrated_loudness(["    I:          -inf LUFS"]) is None
    assert parse_integrated_loudness(["nothing here"]) is None


@pytest.mark.parametrize(
    ("measured", "gain"), [(-20.5, 4.5), (-10.0, -6.0), (None, 0.0), (-60.0, 30.0)]
)
def test_loudness_gain_db_target_capped(measured: float | None, gain: float) -> None:
    assert loudness_gain_db(measured) == gain


def test_build_poster_argv_exact() -> None:
    assert build_poster_argv("ffmpeg", Path("/w/v.mp4"), 1.25, Path("/w/p.jpg")) == [
        "ffmpeg",
        "-hide_banner",
        "-nostdin",
        "-loglevel",
        "error",
        "-ss",
        "1.25",
        "-i",
        "/w/v.mp4",
        "-frames:v",
        "1",
        "-q:v",
        "3",
        "-f",
        "image2",
        "-c:v",
        "mjpeg",
        "-update",
        "1",
        "-y",
        "/w/p.jpg",
    ]


def test_progress_parser_blocks_time_speed_end() -> None:
    parser = ProgressParser()
    lines = [
        "frame=45",
        "fps=0.0",
        "out_time_us=1500000",
        "out_time_ms=1500000",
        "out_time=00:00:01.500000",
        "speed=N/A",
        "progress=continue",
        "frame=150",
        "out_time_us=N/A",
        "out_time=00:01:02.250000",
        "speed=2.5x",
        "progress=end",
    ]
    updates = [u for u in (parser.feed(line) for line in lines) if u is not None]
    assert updates == [
        EncodeProgress(out_time_s=1.5, frame=45, speed=None, done=False),
        EncodeProgress(out_time_s=62.25, frame=150, speed=2.5, done=True),
    ]


def test_progress_parser_noise_lines_ignored() -> None:
    parser = ProgressParser()
    assert parser.feed("") is None
    assert parser.feed("garbage without equals") is None
    assert parser.feed("progress=continue") == EncodeProgress(0.0, 0, None, False)
